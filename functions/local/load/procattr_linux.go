package main

import "syscall"

// procAttr puts a child in its own process group, so a Ctrl-C at the terminal reaches the
// driver only (which stops its children in order), and has Linux send it SIGTERM if the
// driver dies without stopping it.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
