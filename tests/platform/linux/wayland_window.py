#!/usr/bin/python3
# A GTK3 Wayland window for the wlroots capture test: `wayland_window.py APP_ID TITLE NEXT_TITLE`.
# Opens a window titled TITLE whose Wayland app_id is APP_ID (GTK sends the program name), and
# retitles it NEXT_TITLE on SIGUSR1, as a browser tab does when a search page loads.
import signal
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import GLib  # noqa: E402

app_id, title, next_title = sys.argv[1], sys.argv[2], sys.argv[3]
GLib.set_prgname(app_id)  # before GTK opens the display: it becomes the toplevel's app_id
from gi.repository import Gtk  # noqa: E402

window = Gtk.Window(title=title)
window.add(Gtk.Entry())
window.connect("destroy", Gtk.main_quit)


def retitle():
    window.set_title(next_title)
    return GLib.SOURCE_CONTINUE


GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, retitle)
window.show_all()
Gtk.main()
