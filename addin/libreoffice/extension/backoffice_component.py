"""Back Office in LibreOffice Calc: the Python UNO component of backoffice.oxt.

A TEMPLATE: addin/libreoffice/sources.py fills in PATHS (the Python environment the extension was
built for) and one method per formula function. It runs inside LibreOffice's Python (the
system's, on Debian /usr/bin/python3 with python3-uno); the engine comes from PATHS.

Two implementations:
- Functions (service com.sun.star.sheet.AddIn): the formula functions, each handing its
  arguments to addin.libreoffice.runtime.call_function;
- Jobs (a protocol handler for org.backoffice.jobs:<tag>): the toolbar's and menu's buttons, run
  on the frame's document by addin.libreoffice.runtime.run_button.

Nothing may escape into LibreOffice: an exception out of a dispatched job can crash soffice, so
every entry point catches everything and answers with a cell text or a message box.
"""

import contextlib
import site
import sys

import uno
import unohelper
from com.sun.star.frame import XDispatchProvider, XNotifyingDispatch
from com.sun.star.lang import XInitialization, XServiceInfo
from org.backoffice.calc import XBackOfficeFunctions

PATHS: list[str] = []  # @@PATHS@@
ADDIN_SERVICE = "org.backoffice.calc.Functions"
HANDLER_SERVICE = "org.backoffice.calc.Jobs"
PROTOCOL = "org.backoffice.jobs:"
NOT_SET_UP = ("Back Office is not set up for LibreOffice ({reason}). Run `backoffice addin "
              "install --target libreoffice` from a Python environment made with "
              "/usr/bin/python3 -m venv --system-site-packages, then restart LibreOffice.")


def _runtime():
    """addin.libreoffice.runtime, from the environment the extension was built for: its folders
    go first on sys.path (ahead of the system's packages), their .pth files read as Python
    reads a site-packages folder (`pip install -e .` puts the project on the path that way)."""
    if not any(path in sys.path for path in PATHS):
        before = list(sys.path)
        for path in PATHS:
            site.addsitedir(path)
        sys.path[:] = [p for p in sys.path if p not in before] + before
    from addin.libreoffice import runtime

    return runtime


def _reason(exc):
    return f"{type(exc).__name__}: {exc}"[:200]


def _call(name, args):
    try:
        return _runtime().call_function(name, args)
    except BaseException as exc:  # never let anything reach Calc
        return (("#BO! " + NOT_SET_UP.format(reason=_reason(exc)),),)


class Functions(unohelper.Base, XBackOfficeFunctions, XServiceInfo):
    """The formula functions (one method each, generated)."""

    def __init__(self, ctx, *args):
        self.ctx = ctx

    def getImplementationName(self):
        return ADDIN_SERVICE

    def supportsService(self, name):
        return name in self.getSupportedServiceNames()

    def getSupportedServiceNames(self):
        return ("com.sun.star.sheet.AddIn",)

    # @@METHODS@@


class Jobs(unohelper.Base, XDispatchProvider, XNotifyingDispatch, XInitialization, XServiceInfo):
    """The protocol handler: org.backoffice.jobs:<tag> runs the ribbon button <tag> on the
    document of the frame it was created for (headless there is no XSCRIPTCONTEXT document)."""

    def __init__(self, ctx, *args):
        self.ctx = ctx
        self.frame = None

    def initialize(self, args):
        if args:
            self.frame = args[0]

    def getImplementationName(self):
        return HANDLER_SERVICE

    def supportsService(self, name):
        return name in self.getSupportedServiceNames()

    def getSupportedServiceNames(self):
        return ("com.sun.star.frame.ProtocolHandler",)

    def queryDispatch(self, url, target, flags):
        return self if url.Protocol == PROTOCOL else None

    def queryDispatches(self, requests):
        return tuple(self.queryDispatch(r.FeatureURL, r.FrameName, r.SearchFlags) for r in requests)

    def addStatusListener(self, listener, url):
        pass

    def removeStatusListener(self, listener, url):
        pass

    def dispatch(self, url, args):
        self._press(url)

    def dispatchWithNotification(self, url, args, listener):
        title, message = self._press(url)
        if listener is not None:
            try:
                event = uno.createUnoStruct("com.sun.star.frame.DispatchResultEvent")
                event.State = 1 if title == "Back Office" else 0  # SUCCESS / FAILURE
                event.Result = f"{title}\n{message}"
                listener.dispatchFinished(event)
            except BaseException:
                pass

    def _press(self, url):
        try:
            title, message = _runtime().run_button(url.Path, self.frame)
        except BaseException as exc:  # a dispatched job must never raise
            title, message = "Back Office: not done", NOT_SET_UP.format(reason=_reason(exc))
        with contextlib.suppress(BaseException):
            _show(self.frame, title, message)
        return title, message


def _show(frame, title, message):
    """A message box over the document's window (headless: LibreOffice cancels it at once)."""
    from com.sun.star.awt.MessageBoxType import INFOBOX

    window = frame.getContainerWindow()
    box = window.getToolkit().createMessageBox(window, INFOBOX, 1, title, message)  # 1: OK button
    box.execute()
    box.dispose()


g_ImplementationHelper = unohelper.ImplementationHelper()
g_ImplementationHelper.addImplementation(Functions, ADDIN_SERVICE, ("com.sun.star.sheet.AddIn",))
g_ImplementationHelper.addImplementation(Jobs, HANDLER_SERVICE,
                                         ("com.sun.star.frame.ProtocolHandler",))
