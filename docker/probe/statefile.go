// netlab-state: what netlab keeps in a lab container between commands (a node's kube-proxy
// sync state), read, written or removed by the agent itself as a step, so that it rides in the
// same exec as the steps that need it. Files are named, not given by path: the agent touches
// only the files of this list, in the named container's own file system (through
// /proc/<pid>/root, once the PID is known to be the container's), without following links.
//
//	{"netns": {"pid": 4242, "container": "<id>"}, "argv": ["netlab-state", "read", "kube-proxy-sync"]}
//
// read: the file's bytes, base64, on stdout (exit code 1 and "no such file" when there is none);
// write: stdin (base64) becomes the file, whole or not at all (written aside, then renamed);
// remove: the file is gone (it need not have been there).
package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const stateProgram = "netlab-state"

// Files a state step may touch, by name.
var stateFiles = map[string]string{
	"kube-proxy-sync": "/var/lib/netlab-kube-proxy-sync.json.gz",
}

const maxStateFile = 8 << 20

func stateStep(step Step) Result {
	start := time.Now()
	res := stateOp(step)
	res.Ms = time.Since(start).Milliseconds()
	return res
}

func stateOp(step Step) Result {
	if len(step.Argv) != 3 {
		return failed(errors.New("netlab-state takes an operation (read, write, remove) and a file's name"))
	}
	path, ok := stateFiles[step.Argv[2]]
	if !ok {
		return failed(fmt.Errorf("%q is not a file the agent keeps", step.Argv[2]))
	}
	if step.Netns == nil || step.Netns.Container == "" || step.Netns.Pid <= 1 {
		return failed(errors.New("netlab-state needs the container (its PID and ID)"))
	}
	if err := belongsTo(*step.Netns); err != nil {
		return failed(err)
	}
	return stateFileOp("/proc/"+strconv.Itoa(step.Netns.Pid)+"/root", step.Argv[1], path, step.Stdin)
}

// stateFileOp does op on path under root (a container's root directory).
func stateFileOp(root, op, path, data string) Result {
	dir, name := filepath.Split(path)
	if err := realDirs(root, dir); err != nil {
		if op == "read" && errors.Is(err, os.ErrNotExist) {
			return Result{ExitCode: 1, Stderr: "no such file\n"}
		}
		return failed(err)
	}
	full := root + dir + name
	switch op {
	case "read":
		fd, err := syscall.Open(full, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if errors.Is(err, syscall.ENOENT) {
			return Result{ExitCode: 1, Stderr: "no such file\n"}
		}
		if err != nil {
			return failed(fmt.Errorf("reading %s: %v", path, err))
		}
		f := os.NewFile(uintptr(fd), name)
		defer f.Close()
		if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
			return failed(fmt.Errorf("%s is not a regular file", path))
		}
		b, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
		if err != nil {
			return failed(fmt.Errorf("reading %s: %v", path, err))
		}
		if len(b) > maxStateFile {
			return failed(fmt.Errorf("%s is larger than %d bytes", path, maxStateFile))
		}
		return Result{Stdout: base64.StdEncoding.EncodeToString(b)}
	case "write":
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return failed(fmt.Errorf("the data for %s is not base64: %v", path, err))
		}
		if len(b) > maxStateFile {
			return failed(fmt.Errorf("the data for %s is larger than %d bytes", path, maxStateFile))
		}
		aside := root + dir + "." + name + ".netlab-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		fd, err := syscall.Open(aside, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
		if err != nil {
			return failed(fmt.Errorf("writing %s: %v", path, err))
		}
		f := os.NewFile(uintptr(fd), name)
		_, werr := f.Write(b)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Rename(aside, full)
		}
		if werr != nil {
			_ = os.Remove(aside)
			return failed(fmt.Errorf("writing %s: %v", path, werr))
		}
		return Result{}
	case "remove":
		if err := os.Remove(full); err != nil && !errors.Is(err, os.ErrNotExist) {
			return failed(fmt.Errorf("removing %s: %v", path, err))
		}
		return Result{}
	}
	return failed(fmt.Errorf("%q is not a netlab-state operation (read, write, remove)", op))
}

// realDirs: each directory of dir under root is a directory, not a link (that could lead out of the container).
func realDirs(root, dir string) error {
	at := root
	for _, part := range strings.Split(strings.Trim(dir, "/"), "/") {
		if part == "" {
			continue
		}
		at += "/" + part
		info, err := os.Lstat(at)
		if err != nil {
			return err
		}
		if !info.IsDir() {
			return fmt.Errorf("%s is not a directory", strings.TrimPrefix(at, root))
		}
	}
	return nil
}
