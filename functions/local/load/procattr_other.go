//go:build !linux

package main

import "syscall"

// procAttr puts a child in its own process group, so a Ctrl-C at the terminal reaches the
// driver only, which stops its children in order.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
