package main

// setns(2): not in package syscall.
const sysSetns = 308
