#!/usr/bin/python3
# A GTK3 window with one entry, for the X11 capture tests: `gtk_form.py TITLE text|password`.
# A password entry (visibility off) reports AT-SPI role "password text", as real login forms do.
import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gtk  # noqa: E402

title, kind = sys.argv[1], sys.argv[2]
window = Gtk.Window(title=title)
entry = Gtk.Entry()
entry.set_visibility(kind != "password")
window.add(entry)
window.connect("destroy", Gtk.main_quit)
window.show_all()
entry.grab_focus()
Gtk.main()
