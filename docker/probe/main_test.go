package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests run the agent's child as the test binary itself.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "enter" {
		enter()
		return
	}
	programs["cat"] = "/bin/cat"
	programs["sleep-for-test"] = "/bin/sleep"
	programs["printenv-for-test"] = "/usr/bin/printenv"
	os.Exit(m.Run())
}

func TestRefusesWhatIsNotAProgram(t *testing.T) {
	for _, argv := range [][]string{{"sh", "-c", "touch /tmp/x"}, {"/bin/sh"}, {"cat; id"}, {}} {
		r := runAll(Request{Steps: []Step{{Argv: argv}}})[0]
		if r.ExitCode != -1 || r.Error == "" {
			t.Errorf("%q ran: %+v", argv, r)
		}
	}
}

func TestArgumentsStayArguments(t *testing.T) {
	payload := "$(touch /tmp/agent-canary); `id` ; | & > x\n'\""
	r := runAll(Request{Steps: []Step{{Argv: []string{"cat", "--", payload}}}})[0]
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "touch /tmp/agent-canary") {
		t.Fatalf("cat did not get the payload as one file name: %+v", r)
	}
	if _, err := os.Stat("/tmp/agent-canary"); err == nil {
		t.Fatal("the payload ran")
	}
}

func TestStdinEnvOrderAndParallel(t *testing.T) {
	steps := []Step{
		{Argv: []string{"sleep-for-test", "0.3"}},
		{Argv: []string{"cat"}, Stdin: "hello"},
		{Argv: []string{"printenv-for-test", "GREETING"}, Env: map[string]string{"GREETING": "a b;c"}},
	}
	rs := runAll(Request{Parallel: 3, Steps: steps})
	if rs[1].Stdout != "hello" || strings.TrimSpace(rs[2].Stdout) != "a b;c" || rs[0].ExitCode != 0 {
		t.Fatalf("results: %+v", rs)
	}
	if rs[1].Ms > 250 {
		t.Errorf("steps did not run in parallel: %+v", rs)
	}
}

func TestBadEnvironmentAndNul(t *testing.T) {
	for _, s := range []Step{
		{Argv: []string{"cat"}, Env: map[string]string{"A=B": "x"}},
		{Argv: []string{"cat", "a\x00b"}},
	} {
		if r := runAll(Request{Steps: []Step{s}})[0]; r.ExitCode != -1 {
			t.Errorf("%+v ran: %+v", s, r)
		}
	}
}

func TestTimeout(t *testing.T) {
	r := runAll(Request{Steps: []Step{{Argv: []string{"sleep-for-test", "5"}, TimeoutMs: 200}}})[0]
	if r.ExitCode != 124 || r.Ms > 2000 {
		t.Fatalf("no timeout: %+v", r)
	}
}

func TestNamespaceMustBeTheContainers(t *testing.T) {
	self := Namespace{Pid: os.Getpid(), Container: "0123456789abcdef0123"}
	if _, err := namespacePath(self); err == nil || !strings.Contains(err.Error(), "not in container") {
		t.Fatalf("a PID outside the container was accepted: %v", err)
	}
	for _, bad := range []Namespace{{Pid: 0}, {Pid: 1}, {Pid: os.Getpid(), Container: "../../x"}} {
		if _, err := namespacePath(bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if p, err := namespacePath(Namespace{Pid: os.Getpid()}); err != nil || p != "/proc/"+strconv.Itoa(os.Getpid())+"/ns/net" {
		t.Fatalf("own namespace: %q %v", p, err)
	}
}

func TestAfterWaitsForTheEarlierStep(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/written"
	first := 0
	steps := []Step{
		// Writes the file only after a while; the second step must see it.
		{Argv: []string{"sleep-for-test", "0.3"}},
		{Argv: []string{"cat", file}, After: []int{first}},
		{Argv: []string{"cat", file}},
	}
	if err := os.WriteFile(file+".later", []byte("there"), 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(150 * time.Millisecond)
		_ = os.Rename(file+".later", file)
	}()
	rs := runAll(Request{Parallel: 3, Steps: steps})
	if rs[1].ExitCode != 0 || rs[1].Stdout != "there" {
		t.Fatalf("the step with after did not wait: %+v", rs)
	}
	if rs[2].ExitCode == 0 {
		t.Fatalf("the step without after waited: %+v", rs)
	}
	for _, bad := range []int{1, 5, -1} {
		after := bad
		r := runAll(Request{Parallel: 2, Steps: []Step{{Argv: []string{"cat", "/dev/null"}}, {Argv: []string{"cat", "/dev/null"}, After: []int{after}}}})[1]
		if r.ExitCode != -1 || !strings.Contains(r.Error, "earlier") {
			t.Errorf("after %d was accepted: %+v", bad, r)
		}
	}
}

func TestAfterWaitsForEveryStepItNames(t *testing.T) {
	steps := []Step{
		{Argv: []string{"sleep-for-test", "0.2"}},
		{Argv: []string{"sleep-for-test", "0.4"}},
		{Argv: []string{"printenv-for-test", "X"}, Env: map[string]string{"X": "late"}, After: []int{0, 1}},
	}
	start := time.Now()
	rs := runAll(Request{Parallel: 3, Steps: steps})
	if rs[2].ExitCode != 0 || time.Since(start) < 400*time.Millisecond {
		t.Fatalf("the step did not wait for both: %+v in %v", rs, time.Since(start))
	}
	if time.Since(start) > 900*time.Millisecond {
		t.Errorf("the first two did not run at once: %v", time.Since(start))
	}
}

func TestAfterNeverDeadlocks(t *testing.T) {
	// Every step waits for the one before it, with one slot: they run one by one.
	steps := make([]Step, 20)
	for i := range steps {
		steps[i] = Step{Argv: []string{"cat", "/dev/null"}}
		if i > 0 {
			steps[i].After = []int{i - 1}
		}
	}
	for _, parallel := range []int{1, 2, 64} {
		for i, r := range runAll(Request{Parallel: parallel, Steps: steps}) {
			if r.ExitCode != 0 {
				t.Fatalf("parallel %d, step %d: %+v", parallel, i, r)
			}
		}
	}
}

// A detached step keeps running after the agent has answered (and after the steps after it).
func TestDetachedStepIsLeftRunning(t *testing.T) {
	marker := "3.14159"
	rs := runAll(Request{Steps: []Step{
		{Argv: []string{"sleep-for-test", marker}, Detach: true},
		{Argv: []string{"sleep-for-test", "0.3"}},
	}})
	if rs[0].ExitCode != 0 || rs[1].ExitCode != 0 {
		t.Fatalf("results: %+v", rs)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(cmdline), "sleep\x00"+marker+"\x00") {
			found = pid
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	if found == 0 {
		t.Fatal("the detached step was killed when the agent moved on")
	}
}

// A step runs in the network namespace it names, forked from a thread that entered it; the
// agent's other steps (and the agent itself) stay in their own.
func TestStepRunsInItsNamespaceAndOnlyThere(t *testing.T) {
	programs["readlink"] = "/usr/bin/readlink"
	other := exec.Command("unshare", "-n", "sleep", "10")
	if err := other.Start(); err != nil {
		t.Fatalf("unshare -n: %v", err)
	}
	defer func() { _ = other.Process.Kill(); _ = other.Wait() }()
	own, _ := os.Readlink("/proc/self/ns/net")
	var theirs string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if theirs, _ = os.Readlink("/proc/" + strconv.Itoa(other.Process.Pid) + "/ns/net"); theirs != "" && theirs != own {
			break
		}
	}
	if theirs == "" || theirs == own {
		t.Fatalf("unshare -n made no namespace of its own (%q)", theirs)
	}
	ns := &Namespace{Pid: other.Process.Pid}
	var steps []Step
	for i := 0; i < 40; i++ {
		if i%2 == 0 {
			steps = append(steps, Step{Netns: ns, Argv: []string{"readlink", "/proc/self/ns/net"}})
		} else {
			steps = append(steps, Step{Argv: []string{"readlink", "/proc/self/ns/net"}})
		}
	}
	for i, r := range runAll(Request{Parallel: 8, Steps: steps}) {
		want := own
		if i%2 == 0 {
			want = theirs
		}
		if r.ExitCode != 0 || strings.TrimSpace(r.Stdout) != want {
			t.Fatalf("step %d ran in %q, not %q: %+v", i, strings.TrimSpace(r.Stdout), want, r)
		}
	}
	if now, _ := os.Readlink("/proc/self/ns/net"); now != own {
		t.Fatalf("the agent itself moved to %q", now)
	}
}

// A namespace the agent may not enter fails the step as a program that could not start: exit
// code 126, the reason on stderr.
func TestUnenterableNamespaceSaysWhy(t *testing.T) {
	r := runStep(Step{Netns: &Namespace{Pid: os.Getpid()}, Argv: []string{"cat", "/dev/null"}})
	if r.ExitCode != 0 {
		t.Fatalf("own namespace: %+v", r)
	}
	r = runAll(Request{Steps: []Step{{Netns: &Namespace{Pid: 999999999}, Argv: []string{"cat", "/dev/null"}}}})[0]
	if r.ExitCode == 0 {
		t.Fatalf("a namespace that does not exist was entered: %+v", r)
	}
	if err := startIn(exec.Command("/bin/true"), "/dev/null"); err == nil || !strings.Contains(err.Error(), "entering /dev/null") {
		t.Fatalf("setns into a file that is no namespace: %v", err)
	}
}
