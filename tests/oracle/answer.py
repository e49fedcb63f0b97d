#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal and answers one interactive prompt.

    answer.py <text> <keys> -- <command> [args...]

drizzle-kit asks whether a changed column or table is a rename only on a
terminal. When <text> first shows in the command's output, <keys> are typed
(Python escapes: '\\x1b[B\\r' is arrow-down then Enter). The output is
passed through. Exit status: the command's; 3 when <text> never showed;
124 when the command printed nothing for 60 s.
"""
import codecs
import os
import pty
import select
import signal
import sys
import time


def main() -> int:
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    text = sys.argv[1].encode()
    keys = codecs.decode(sys.argv[2], "unicode_escape").encode()
    command = sys.argv[4:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    seen = b""
    answered = False
    while True:
        ready, _, _ = select.select([fd], [], [], 60)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            print("answer.py: no output for 60 s", file=sys.stderr)
            return 124
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        seen += data
        if not answered and text in seen:
            # Let the prompt take the terminal before typing.
            time.sleep(0.3)
            os.write(fd, keys)
            answered = True
    _, status = os.waitpid(pid, 0)
    if not answered:
        print(f"answer.py: {sys.argv[1]!r} never showed", file=sys.stderr)
        return 3
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
