"""The reports of a verify run, all made from one document (`document.build`)."""
