// netlab-agent stream: ONE long-running step whose output is the exec's own stdout, byte for
// byte as the program writes it (a packet capture for `netlab capture` and `explain --capture`).
//
//	netlab-agent stream < {"netns": {...}, "argv": ["tcpdump", ...]}\n<held open>
//
// The step is the first line of stdin; the rest of stdin is the stop signal. When stdin ends
// (netlab closed it, or netlab went away and the engine closed it for it), when the namespace's
// container is gone (the lab went away), or at the step's timeoutMs, the program gets SIGINT
// (tcpdump writes out what it holds and exits), then SIGKILL 3 s later. So no program the agent
// streams outlives the exec that asked for it.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// Programs a stream step may run: only what is made to run until stopped.
var streamPrograms = map[string]bool{"tcpdump": true}

const (
	stdinClosed   = "stdin closed"
	stopGrace     = 3 * time.Second
	watchInterval = 500 * time.Millisecond
)

func stream() {
	in := bufio.NewReader(os.Stdin)
	line, err := in.ReadBytes('\n')
	if err != nil && len(line) == 0 {
		fmt.Fprintf(os.Stderr, "netlab-agent: no step on stdin: %v\n", err)
		os.Exit(2)
	}
	var step Step
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&step); err != nil {
		fmt.Fprintf(os.Stderr, "netlab-agent: unreadable step: %v\n", err)
		os.Exit(2)
	}
	os.Exit(runStream(step, in, os.Stdout, os.Stderr))
}

// runStream runs the step with stdout and stderr as given until it ends or is stopped; its exit code.
func runStream(step Step, stop io.Reader, stdout, stderr io.Writer) int {
	if len(step.Argv) == 0 || !streamPrograms[step.Argv[0]] {
		fmt.Fprintf(stderr, "netlab-agent: %q is not a program the agent streams\n", firstOf(step.Argv))
		return 126
	}
	if step.Detach || step.Stdin != "" {
		fmt.Fprintln(stderr, "netlab-agent: a stream step is neither detached nor given stdin")
		return 126
	}
	spec, cleanup, err := prepare(step)
	if cleanup != nil {
		defer cleanup()
	}
	if err != nil {
		fmt.Fprintf(stderr, "netlab-agent: %v\n", err)
		return 126
	}
	encoded, err := json.Marshal(spec)
	if err != nil {
		fmt.Fprintf(stderr, "netlab-agent: %v\n", err)
		return 126
	}
	self, err := os.Executable()
	if err != nil {
		fmt.Fprintf(stderr, "netlab-agent: %v\n", err)
		return 126
	}
	// Pdeathsig is tied to the thread that started the child: keep this goroutine on it.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cmd := exec.Command(self, "enter")
	cmd.Env = []string{enterEnv + "=" + string(encoded)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if spec.ResolvFile != "" {
		cmd.SysProcAttr.Unshareflags = syscall.CLONE_NEWNS
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "netlab-agent: %v\n", err)
		return 126
	}
	stopping := make(chan string, 4)
	go func() {
		_, _ = io.Copy(io.Discard, stop)
		stopping <- stdinClosed
	}()
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(signals)
	go func() {
		s := <-signals
		stopping <- s.String()
	}()
	if step.Netns != nil {
		ns := *step.Netns
		go func() {
			for range time.Tick(watchInterval) {
				if err := stillThere(ns); err != nil {
					stopping <- "its network namespace's container went away (" + err.Error() + ")"
					return
				}
			}
		}()
	}
	if step.TimeoutMs > 0 {
		time.AfterFunc(time.Duration(step.TimeoutMs)*time.Millisecond, func() { stopping <- "timeout" })
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var waitErr error
	select {
	case waitErr = <-exited:
	case why := <-stopping:
		if why != stdinClosed {
			fmt.Fprintf(stderr, "netlab-agent: stopping %s: %s\n", step.Argv[0], why)
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
		select {
		case waitErr = <-exited:
		case <-time.After(stopGrace):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			waitErr = <-exited
		}
	}
	var exitErr *exec.ExitError
	switch {
	case waitErr == nil:
		return 0
	case errors.As(waitErr, &exitErr):
		if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
			return 128 + int(status.Signal())
		}
		return exitErr.ExitCode()
	default:
		fmt.Fprintf(stderr, "netlab-agent: %v\n", waitErr)
		return 126
	}
}

// stillThere: the namespace's process still runs in its container.
func stillThere(ns Namespace) error {
	if _, err := os.Stat("/proc/" + fmt.Sprint(ns.Pid)); err != nil {
		return fmt.Errorf("process %d is gone", ns.Pid)
	}
	return belongsTo(ns)
}

func firstOf(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	return argv[0]
}
