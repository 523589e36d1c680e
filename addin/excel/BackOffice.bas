Attribute VB_Name = "BackOffice"
Option Explicit

' The one callback of the Back Office ribbon: the clicked button's Tag names the Python job
' (addin/ribbon.py DISPATCH). RunPython comes from the xlwings module of this add-in.
Sub BackOfficeButton(control As IRibbonControl)
    RunPython "from addin.ribbon import on_button; on_button('" & control.Tag & "')"
End Sub
