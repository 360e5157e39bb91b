package main

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestStreamRefusesWhatIsNotAStreamProgram(t *testing.T) {
	var stderr bytes.Buffer
	for _, argv := range [][]string{{"curl", "http://x/"}, {"sh"}, {}} {
		stderr.Reset()
		if code := runStream(Step{Argv: argv}, strings.NewReader(""), io.Discard, &stderr); code != 126 || !strings.Contains(stderr.String(), "not a program the agent streams") {
			t.Errorf("%q streamed: %d %s", argv, code, stderr.String())
		}
	}
}

// The program's output comes as it is written, and ends when stdin ends (the stop signal).
func TestStreamStopsWhenStdinEnds(t *testing.T) {
	streamPrograms["sleep-for-test"] = true
	defer delete(streamPrograms, "sleep-for-test")
	stop, closeStop := io.Pipe()
	done := make(chan int, 1)
	start := time.Now()
	go func() { done <- runStream(Step{Argv: []string{"sleep-for-test", "30"}}, stop, io.Discard, io.Discard) }()
	time.Sleep(200 * time.Millisecond)
	select {
	case code := <-done:
		t.Fatalf("ended before it was stopped: %d", code)
	default:
	}
	closeStop.Close()
	select {
	case code := <-done:
		// sleep dies of the SIGINT: 128+2.
		if code != 130 {
			t.Errorf("exit code %d, want 130", code)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("took %v to stop", time.Since(start))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not stopped when stdin ended")
	}
}

func TestStreamStopsAtItsTimeoutAndPassesOutputThrough(t *testing.T) {
	streamPrograms["cat"] = true
	defer delete(streamPrograms, "cat")
	f, err := os.CreateTemp("", "stream-*.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	_, _ = f.WriteString("packets\n")
	f.Close()
	var out bytes.Buffer
	stop, _ := io.Pipe()
	if code := runStream(Step{Argv: []string{"cat", f.Name()}, TimeoutMs: 5000}, stop, &out, io.Discard); code != 0 || out.String() != "packets\n" {
		t.Fatalf("cat: %d %q", code, out.String())
	}
	streamPrograms["sleep-for-test"] = true
	defer delete(streamPrograms, "sleep-for-test")
	start := time.Now()
	if code := runStream(Step{Argv: []string{"sleep-for-test", "30"}, TimeoutMs: 200}, stop, io.Discard, io.Discard); code != 130 || time.Since(start) > 2*time.Second {
		t.Fatalf("not stopped at its timeout: %d after %v", code, time.Since(start))
	}
}

func TestStreamStopsWhenTheContainerIsGone(t *testing.T) {
	streamPrograms["sleep-for-test"] = true
	defer delete(streamPrograms, "sleep-for-test")
	// A process that ends soon stands for the namespace's container.
	holder, err := os.StartProcess("/bin/sleep", []string{"sleep", "0.3"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = holder.Wait() }()
	stop, _ := io.Pipe()
	start := time.Now()
	// No container ID: only the process is looked at (the namespace is the test's own; sleep needs none).
	step := Step{Argv: []string{"sleep-for-test", "30"}}
	step.Netns = &Namespace{Pid: holder.Pid}
	// A file, as the agent's own stderr is: the child writes to it directly, beside the agent.
	stderr, err := os.CreateTemp("", "stream-stderr-*")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(stderr.Name())
	code := runStream(step, stop, io.Discard, stderr)
	if code != 130 || time.Since(start) > 3*time.Second {
		t.Fatalf("not stopped when the namespace's process ended: %d after %v", code, time.Since(start))
	}
	said, _ := os.ReadFile(stderr.Name())
	if !strings.Contains(string(said), "stopping sleep-for-test: its network namespace's container went away") {
		t.Errorf("did not say why it stopped: %q", said)
	}
}
