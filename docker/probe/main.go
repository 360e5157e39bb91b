// netlab-agent: the toolbox's only way in. netlab sends one JSON request on stdin naming
// steps; each step is a program from a fixed list, with its arguments as argv, run in the
// network namespace of one lab container (entered with setns). No shell is ever involved,
// so nothing in a request can become a command: values from lab files stay arguments.
//
//	netlab-agent < request.json > results.json
//	netlab-agent session < requests, one a line > results, one a line (session.go)
//
// Request: {"parallel": 8, "steps": [{"netns": {"pid": 4242, "container": "<id>"},
// "resolvConf": "nameserver 10.96.0.10\n...", "resolvConfFrom": {"pid": ..., "container": ...},
// "argv": ["curl", "-s", "http://10.96.0.20/"], "env": {"K": "V"}, "stdin": "...",
// "timeoutMs": 5000, "detach": false, "after": [0]}]}. Steps run in order, or `parallel` at once;
// a step with `after` starts only once those earlier steps (by index) have finished.
//
// Results, in the order of the steps: {"results": [{"exitCode": 0, "stdout": "...",
// "stderr": "...", "ms": 12, "error": ""}]}. A step that cannot start (a program not on the
// list, a PID that is not the named container's) has exitCode -1 and says why in error; the
// agent itself exits non-zero only when the request cannot be read.
//
// A step's program is forked from a thread that has entered its network namespace (setns on a
// locked thread that is then thrown away), so it starts in that namespace with no second exec.
// Only a step that must see another resolv.conf runs the agent itself again (`netlab-agent
// enter`), which unshares its mount namespace, binds the file, enters the network namespace and
// execs the program: a bind mount is not something a fork can be told to do.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Programs a step may run, by name. Anything else is refused: the agent is not a shell. (One
// more name, netlab-state, is the agent's own: files it keeps in a container, statefile.go.)
var programs = map[string]string{
	"arping":            "/usr/bin/arping",
	"bridge":            "/usr/sbin/bridge",
	"cat":               "/usr/bin/cat",
	"conntrack":         "/usr/sbin/conntrack",
	"curl":              "/usr/bin/curl",
	"dig":               "/usr/bin/dig",
	"ip":                "/usr/sbin/ip",
	"ip6tables":         "/usr/sbin/ip6tables",
	"ip6tables-restore": "/usr/sbin/ip6tables-restore",
	"ip6tables-save":    "/usr/sbin/ip6tables-save",
	"iptables":          "/usr/sbin/iptables",
	"iptables-restore":  "/usr/sbin/iptables-restore",
	"iptables-save":     "/usr/sbin/iptables-save",
	"nc":                "/usr/bin/nc",
	"nft":               "/usr/sbin/nft",
	"ping":              "/usr/bin/ping",
	"readlink":          "/usr/bin/readlink",
	"ss":                "/usr/bin/ss",
	"sysctl":            "/usr/sbin/sysctl",
	"tcpdump":           "/usr/bin/tcpdump",
	"tc":                "/usr/sbin/tc",
	// The delay line (delay.go): this very binary, run under the name it answers to.
	"netlab-delay":   "/usr/local/bin/netlab-agent",
	"traceroute":     "/usr/bin/traceroute",
	"cni-bridge":     "/usr/lib/cni/bridge",
	"cni-host-local": "/usr/lib/cni/host-local",
}

const (
	maxOutput       = 16 << 20
	defaultTimeout  = 30 * time.Second
	maxParallel     = 64
	enterEnv        = "NETLAB_AGENT_ENTER"
	resolvConfLimit = 64 << 10
)

// Namespace names a lab container by its host PID and its ID; the PID must belong to the ID.
type Namespace struct {
	Pid       int    `json:"pid"`
	Container string `json:"container,omitempty"`
}

type Step struct {
	Netns          *Namespace        `json:"netns,omitempty"`
	ResolvConf     *string           `json:"resolvConf,omitempty"`
	ResolvConfFrom *Namespace        `json:"resolvConfFrom,omitempty"`
	Argv           []string          `json:"argv"`
	Env            map[string]string `json:"env,omitempty"`
	Stdin          string            `json:"stdin,omitempty"`
	TimeoutMs      int               `json:"timeoutMs,omitempty"`
	Detach         bool              `json:"detach,omitempty"`
	// After names earlier steps (by index) this one starts after, whatever their results.
	After []int `json:"after,omitempty"`
}

type Request struct {
	Parallel int    `json:"parallel,omitempty"`
	Steps    []Step `json:"steps"`
}

type Result struct {
	ExitCode int    `json:"exitCode"`
	Stdout   string `json:"stdout"`
	Stderr   string `json:"stderr"`
	Ms       int64  `json:"ms"`
	Error    string `json:"error,omitempty"`
}

// enterSpec is what the child needs: already-checked paths and the program's argv.
type enterSpec struct {
	Netns      string   `json:"netns,omitempty"`
	ResolvFile string   `json:"resolvFile,omitempty"`
	Path       string   `json:"path"`
	Argv       []string `json:"argv"`
	Env        []string `json:"env"`
}

func main() {
	if filepath.Base(os.Args[0]) == delayName {
		delayMain(os.Args[1:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "enter" {
		enter()
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "stream" {
		stream() // stream.go
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "session" {
		session() // session.go
		return
	}
	var req Request
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fmt.Fprintf(os.Stderr, "netlab-agent: unreadable request: %v\n", err)
		os.Exit(2)
	}
	results := runAll(req)
	out := json.NewEncoder(os.Stdout)
	out.SetEscapeHTML(false)
	if err := out.Encode(map[string][]Result{"results": results}); err != nil {
		os.Exit(3)
	}
}

func runAll(req Request) []Result {
	parallel := req.Parallel
	if parallel < 1 {
		parallel = 1
	}
	if parallel > maxParallel {
		parallel = maxParallel
	}
	results := make([]Result, len(req.Steps))
	done := make([]chan struct{}, len(req.Steps))
	for i := range done {
		done[i] = make(chan struct{})
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range req.Steps {
		after := req.Steps[i].After
		if bad, ok := notEarlier(after, i); ok {
			results[i] = failed(fmt.Errorf("step %d is to start after step %d, not an earlier one", i, bad))
			close(done[i])
			continue
		}
		wg.Add(1)
		// Slots are taken in step order, so the step waited for already has one: no deadlock.
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer close(done[i])
			defer func() { <-sem }()
			for _, a := range after {
				<-done[a]
			}
			results[i] = runStep(req.Steps[i])
		}(i)
	}
	wg.Wait()
	return results
}

// notEarlier finds a step of after that is not an earlier one than step i.
func notEarlier(after []int, i int) (int, bool) {
	for _, a := range after {
		if a < 0 || a >= i {
			return a, true
		}
	}
	return 0, false
}

func failed(err error) Result { return Result{ExitCode: -1, Error: err.Error()} }

func runStep(step Step) Result {
	if len(step.Argv) > 0 && step.Argv[0] == stateProgram {
		return stateStep(step) // statefile.go
	}
	start := time.Now()
	spec, cleanup, err := prepare(step)
	if cleanup != nil {
		defer cleanup()
	}
	if err != nil {
		return failed(err)
	}
	timeout := defaultTimeout
	if step.TimeoutMs > 0 {
		timeout = time.Duration(step.TimeoutMs) * time.Millisecond
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	// Left running once the agent has answered: not bound to ctx, whose cancel (when this
	// returns) would kill it, often before it did anything.
	command := func(name string, arg ...string) *exec.Cmd {
		if step.Detach {
			return exec.Command(name, arg...)
		}
		return exec.CommandContext(ctx, name, arg...)
	}
	var cmd *exec.Cmd
	direct := spec.ResolvFile == ""
	if direct {
		cmd = command(spec.Path)
		cmd.Args, cmd.Env = spec.Argv, spec.Env
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	} else {
		self, err := os.Executable()
		if err != nil {
			return failed(err)
		}
		encoded, err := json.Marshal(spec)
		if err != nil {
			return failed(err)
		}
		cmd = command(self, "enter")
		cmd.Env = []string{enterEnv + "=" + string(encoded)}
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Unshareflags: syscall.CLONE_NEWNS}
	}
	cmd.Stdin = strings.NewReader(step.Stdin)
	var stdout, stderr capped
	if step.Detach {
		cmd.Stdin = nil
	} else {
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	}
	if direct {
		if err := startIn(cmd, spec.Netns); err != nil {
			// As the re-executed agent says it: the step ran and could not become the program.
			return Result{ExitCode: 126, Stderr: "netlab-agent: " + err.Error() + "\n", Ms: time.Since(start).Milliseconds()}
		}
	} else if err := cmd.Start(); err != nil {
		return failed(err)
	}
	if step.Detach {
		go func() { _ = cmd.Wait() }()
		return Result{Ms: time.Since(start).Milliseconds()}
	}
	runErr := cmd.Wait()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String(), Ms: time.Since(start).Milliseconds()}
	var exitErr *exec.ExitError
	switch {
	case runErr == nil:
	case ctx.Err() == context.DeadlineExceeded:
		res.ExitCode, res.Error = 124, fmt.Sprintf("timed out after %v", timeout)
	case errors.As(runErr, &exitErr):
		res.ExitCode = exitErr.ExitCode()
		if res.ExitCode < 0 {
			res.ExitCode = 128 + int(exitErr.Sys().(syscall.WaitStatus).Signal())
		}
	default:
		return failed(runErr)
	}
	return res
}

// prepare checks a step and turns it into what the child runs; cleanup removes its temporary file.
func prepare(step Step) (enterSpec, func(), error) {
	spec := enterSpec{}
	if len(step.Argv) == 0 {
		return spec, nil, errors.New("empty argv")
	}
	path, ok := programs[step.Argv[0]]
	if !ok {
		return spec, nil, fmt.Errorf("%q is not a program the agent runs", step.Argv[0])
	}
	name := filepath.Base(path)
	if step.Argv[0] == delayName {
		name = delayName
	}
	spec.Path, spec.Argv = path, append([]string{name}, step.Argv[1:]...)
	spec.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	for k, v := range step.Env {
		if k == "" || strings.ContainsAny(k, "=\x00") || strings.Contains(v, "\x00") {
			return spec, nil, fmt.Errorf("bad environment variable %q", k)
		}
		spec.Env = append(spec.Env, k+"="+v)
	}
	for _, a := range step.Argv {
		if strings.Contains(a, "\x00") {
			return spec, nil, errors.New("argument holds a NUL byte")
		}
	}
	if step.Netns != nil {
		ns, err := namespacePath(*step.Netns)
		if err != nil {
			return spec, nil, err
		}
		spec.Netns = ns
	}
	var conf []byte
	switch {
	case step.ResolvConf != nil:
		conf = []byte(*step.ResolvConf)
	case step.ResolvConfFrom != nil:
		read, err := readResolvConf(*step.ResolvConfFrom)
		if err != nil {
			return spec, nil, err
		}
		conf = read
	default:
		return spec, nil, nil
	}
	f, err := os.CreateTemp("", "resolv-*.conf")
	if err != nil {
		return spec, nil, err
	}
	cleanup := func() { _ = os.Remove(f.Name()) }
	_, werr := f.Write(conf)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return spec, cleanup, werr
	}
	spec.ResolvFile = f.Name()
	return spec, cleanup, nil
}

// namespacePath is /proc/<pid>/ns/net, once the PID is known to be the named container's.
func namespacePath(ns Namespace) (string, error) {
	if ns.Pid <= 1 {
		return "", fmt.Errorf("bad PID %d", ns.Pid)
	}
	if err := belongsTo(ns); err != nil {
		return "", err
	}
	return "/proc/" + strconv.Itoa(ns.Pid) + "/ns/net", nil
}

// belongsTo: the process's cgroup names the container (so a reused PID is never entered).
func belongsTo(ns Namespace) error {
	if ns.Container == "" {
		return nil
	}
	if len(ns.Container) < 12 || strings.Trim(ns.Container, "0123456789abcdef") != "" {
		return fmt.Errorf("bad container ID %q", ns.Container)
	}
	cgroup, err := os.ReadFile("/proc/" + strconv.Itoa(ns.Pid) + "/cgroup")
	if err != nil {
		return fmt.Errorf("process %d is gone: %v", ns.Pid, err)
	}
	if !bytes.Contains(cgroup, []byte(ns.Container)) {
		return fmt.Errorf("process %d is not in container %.12s", ns.Pid, ns.Container)
	}
	return nil
}

// readResolvConf reads a container's /etc/resolv.conf without following links out of it.
func readResolvConf(ns Namespace) ([]byte, error) {
	if err := belongsTo(ns); err != nil {
		return nil, err
	}
	root := "/proc/" + strconv.Itoa(ns.Pid) + "/root"
	if info, err := os.Lstat(root + "/etc"); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("the container has no /etc directory")
	}
	fd, err := syscall.Open(root+"/etc/resolv.conf", syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("reading the container's /etc/resolv.conf: %v", err)
	}
	f := os.NewFile(uintptr(fd), "resolv.conf")
	defer f.Close()
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, errors.New("the container's /etc/resolv.conf is not a regular file")
	}
	return io.ReadAll(io.LimitReader(f, resolvConfLimit))
}

// ownNetns is the agent's own network namespace, which a thread goes back to after a fork.
var ownNetns, ownNetnsErr = syscall.Open("/proc/thread-self/ns/net", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)

// startIn starts cmd in the network namespace at netns (none: the agent's own), forked from a
// locked thread that entered it and then went back. A thread that cannot go back stays locked,
// so Go ends it with its goroutine: no other goroutine ever runs in a lab's namespace.
func startIn(cmd *exec.Cmd, netns string) error {
	if netns == "" {
		return cmd.Start()
	}
	if ownNetnsErr != nil {
		return fmt.Errorf("opening the agent's own network namespace: %v", ownNetnsErr)
	}
	fd, err := syscall.Open(netns, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening %s: %v", netns, err)
	}
	defer syscall.Close(fd)
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if _, _, errno := syscall.RawSyscall(sysSetns, uintptr(fd), syscall.CLONE_NEWNET, 0); errno != 0 {
			started <- fmt.Errorf("entering %s: %v", netns, errno)
			return
		}
		started <- cmd.Start()
		if _, _, errno := syscall.RawSyscall(sysSetns, uintptr(ownNetns), syscall.CLONE_NEWNET, 0); errno == 0 {
			runtime.UnlockOSThread()
		}
	}()
	return <-started
}

// enter runs in the child: shows the resolv.conf, enters the namespace, becomes the program.
func enter() {
	var spec enterSpec
	if err := json.Unmarshal([]byte(os.Getenv(enterEnv)), &spec); err != nil {
		die("bad spec: %v", err)
	}
	runtime.LockOSThread()
	if spec.ResolvFile != "" {
		if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
			die("making mounts private: %v", err)
		}
		if err := syscall.Mount(spec.ResolvFile, "/etc/resolv.conf", "", syscall.MS_BIND, ""); err != nil {
			die("showing the pod's resolv.conf: %v", err)
		}
	}
	if spec.Netns != "" {
		fd, err := syscall.Open(spec.Netns, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			die("opening %s: %v", spec.Netns, err)
		}
		if _, _, errno := syscall.RawSyscall(sysSetns, uintptr(fd), syscall.CLONE_NEWNET, 0); errno != 0 {
			die("entering %s: %v", spec.Netns, errno)
		}
	}
	err := syscall.Exec(spec.Path, spec.Argv, spec.Env)
	die("running %s: %v", spec.Path, err)
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "netlab-agent: "+format+"\n", args...)
	os.Exit(126)
}

// capped keeps the first maxOutput bytes and drops the rest.
type capped struct{ bytes.Buffer }

func (c *capped) Write(p []byte) (int, error) {
	if room := maxOutput - c.Len(); room > 0 {
		if len(p) > room {
			c.Buffer.Write(p[:room])
		} else {
			c.Buffer.Write(p)
		}
	}
	return len(p), nil
}
