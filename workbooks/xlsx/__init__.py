"""Package surgery: the .xlsx zip and the XML parts the tool reads, adds or changes."""
