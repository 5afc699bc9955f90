#!/usr/bin/env bats
# -t and -it: a real terminal, its size, Ctrl-C, exit codes.
load helpers

@test "-it gives an interactive shell on a terminal" {
  run in_pty "'$HULL' --root '$HULL_TEST_ROOT' run --rm -t busybox sh -c 'tty; test -t 0 && echo is-tty'"
  [[ "$output" == *"/dev/pts/0"* ]]
  [[ "$output" == *"is-tty"* ]]
  run bash -c "{ sleep 0.5; printf 'echo in-\$((40+2))\n'; sleep 0.3; printf 'exit 4\n'; sleep 1; } | script -qefc \"'$HULL' --root '$HULL_TEST_ROOT' run --rm -it busybox sh\" /dev/null"
  [ "$status" -eq 4 ]
  [[ "$output" == *"in-42"* ]]
}

@test "the terminal size follows the caller's" {
  run in_pty "stty rows 33 cols 99; '$HULL' --root '$HULL_TEST_ROOT' run --rm -it busybox stty size </dev/tty"
  [[ "$output" == *"33 99"* ]]
}

@test "Ctrl-C reaches the container's foreground process" {
  start=$(date +%s)
  run bash -c "{ sleep 0.5; printf 'sleep 20\n'; sleep 1; printf '\003'; sleep 0.5; printf 'echo after-\$?\n'; sleep 0.3; printf 'exit 0\n'; sleep 1; } | script -qefc \"'$HULL' --root '$HULL_TEST_ROOT' run --rm -it busybox sh\" /dev/null"
  end=$(date +%s)
  [ $((end - start)) -lt 15 ]
  [[ "$output" == *"after-130"* ]]
}

@test "/dev/console is the container's terminal" {
  run in_pty "'$HULL' --root '$HULL_TEST_ROOT' run --rm -t busybox sh -c 'test -c /dev/console && echo console-ok'"
  [[ "$output" == *"console-ok"* ]]
}
