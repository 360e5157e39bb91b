/*
 * netlab's pod sandbox process: the same contract as Kubernetes' pause
 * container, written for this project.
 *
 * - It is meant to be PID 1 of the sandbox: it holds the pod's namespaces open
 *   and, being init of the PID namespace, adopts orphaned processes.
 * - SIGINT or SIGTERM: exit 0 at once (so `docker stop` takes no grace period).
 * - SIGCHLD: reap every child that has ended, so no zombie is left behind.
 * - Otherwise it does nothing but wait for signals.
 * - `pause -v` prints the version and exits.
 *
 * Built with `gcc -Os -static` so the image needs nothing but this file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NETLAB_PAUSE_VERSION
#define NETLAB_PAUSE_VERSION "1.0"
#endif

/* write(2) is async-signal-safe; stdio is not, and handlers print too. */
static void say(int fd, const char *text) {
  size_t left = strlen(text);
  while (left > 0) {
    ssize_t n = write(fd, text, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    text += n;
    left -= (size_t)n;
  }
}

static void on_stop(int sig) {
  say(STDERR_FILENO, sig == SIGTERM ? "pause: SIGTERM, exiting\n" : "pause: SIGINT, exiting\n");
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  int saved = errno;
  /* Several children may end behind one SIGCHLD: collect them all. */
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int handle(int sig, void (*fn)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fn;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-v") == 0) {
      say(STDOUT_FILENO, "netlab pause " NETLAB_PAUSE_VERSION "\n");
      return 0;
    }
    say(STDERR_FILENO, "usage: pause [-v]\n");
    return 2;
  }

  if (getpid() != 1) say(STDERR_FILENO, "pause: warning: not running as PID 1, orphaned processes will not be reaped here\n");

  if (handle(SIGINT, on_stop, 0) < 0 || handle(SIGTERM, on_stop, 0) < 0 ||
      handle(SIGCHLD, on_child, SA_NOCLDSTOP | SA_RESTART) < 0) {
    say(STDERR_FILENO, "pause: cannot install signal handlers\n");
    return 1;
  }

  for (;;) pause();
  /* not reached */
  return 42;
}
