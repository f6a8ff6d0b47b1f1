#!/usr/bin/python3
# A GTK3 window with one entry, for the X11 capture tests: `gtk_form.py TITLE text|password|grab`.
# A password entry (visibility off) reports AT-SPI role "password text", as real login forms do.
# "grab" is an unmanaged popup that grabs the keyboard, as screen lockers and pinentry do, and
# prints "grabbed" once it holds the keyboard.
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("Gdk", "3.0")
from gi.repository import Gdk, Gtk  # noqa: E402

title, kind = sys.argv[1], sys.argv[2]
window = Gtk.Window(title=title, type=Gtk.WindowType.POPUP if kind == "grab" else Gtk.WindowType.TOPLEVEL)
entry = Gtk.Entry()
entry.set_visibility(kind != "password")
window.add(entry)
window.connect("destroy", Gtk.main_quit)


def grab(*_):
    seat = Gdk.Display.get_default().get_default_seat()
    status = seat.grab(window.get_window(), Gdk.SeatCapabilities.KEYBOARD, False, None, None, None, None)
    print("grabbed" if status == Gdk.GrabStatus.SUCCESS else f"grab failed: {status}", flush=True)
    return False


if kind == "grab":
    window.connect("map-event", grab)
window.show_all()
entry.grab_focus()
Gtk.main()
