#!/usr/bin/env bats
# Healthchecks run by the monitor, and ps --format / --filter.
load helpers

health() { hull inspect "$1" | jq -r ".[0].State.Health.$2"; }

# Wait (at most $3 seconds) until the container's health status is $2.
wait_health() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    [ "$(health "$1" Status)" = "$2" ] && return 0
    sleep 0.1
  done
  echo "health of $1 is $(health "$1" Status), not $2; log: $(hull inspect "$1" | jq -c '.[0].State.Health')" >&2
  return 1
}

@test "a passing --health-cmd: starting, then healthy; ps says (healthy)" {
  hull run -d --name ok --health-cmd 'echo fine; true' --health-interval 1s busybox sleep 1000
  [ "$(health ok Status)" = "starting" ]
  # Before its first check a container is "starting"; one whose first check
  # is 30 s away shows it in ps whatever the machine's load.
  hull run -d --name slow --health-cmd true --health-interval 30s busybox sleep 1000
  [[ "$(hull ps -f name=slow --format '{{.Status}}')" == "Up "*" (health: starting)" ]]
  wait_health ok healthy 5
  [ "$(health ok FailingStreak)" = "0" ]
  [ "$(hull inspect ok | jq -r '.[0].State.Health.Log[0].Output')" = "fine" ]
  [ "$(hull inspect ok | jq -r '.[0].State.Health.Log[0].ExitCode')" = "0" ]
  [[ "$(hull ps -f name=ok --format '{{.Status}}')" == "Up "*" (healthy)" ]]
  run hull ps -f health=healthy --format '{{.Names}}'
  [ "$output" = "ok" ]
  # The config is Docker's: the defaults are not written in.
  [ "$(hull inspect ok | jq -c '.[0].Config.Healthcheck.Test')" = '["CMD-SHELL","echo fine; true"]' ]
}

@test "a failing check: unhealthy after --health-retries failures in a row" {
  hull run -d --name bad --health-cmd 'echo broken >&2; exit 1' --health-interval 1s --health-retries 2 \
    busybox sleep 1000
  wait_health bad unhealthy 6
  [ "$(health bad FailingStreak)" -ge 2 ]
  log=$(hull inspect bad | jq -c '.[0].State.Health.Log[-1]')
  [ "$(jq -r .ExitCode <<<"$log")" = "1" ]
  [ "$(jq -r .Output <<<"$log")" = "broken" ]
  [[ "$(hull ps --format '{{.Status}}')" == *"(unhealthy)" ]]
  run hull ps -f health=unhealthy -q
  [ "${#lines[@]}" -eq 1 ]
}

@test "a check past its --health-timeout fails, and is killed inside the container" {
  hull run -d --name slow --health-cmd 'sleep 30' --health-timeout 300ms --health-interval 1s \
    --health-retries 1 busybox sleep 1000
  wait_health slow unhealthy 5
  log=$(hull inspect slow | jq -c '.[0].State.Health.Log[0]')
  [ "$(jq -r .ExitCode <<<"$log")" = "-1" ]
  [ "$(jq -r .Output <<<"$log")" = "Health check exceeded timeout (300ms)" ]
  # Its `sleep 30`, inside the container, is gone too (the next check
  # starts a second after this one ended).
  ns=$(readlink "/proc/$(hull inspect slow | jq -r '.[0].State.Pid')/ns/pid")
  left=0
  for p in $(pgrep -x sleep); do
    [ "$(readlink "/proc/$p/ns/pid")" = "$ns" ] && [ "$(tr '\0' ' ' <"/proc/$p/cmdline")" = "sleep 30 " ] &&
      left=$((left + 1))
  done
  [ "$left" -eq 0 ]
}

@test "failures within --health-start-period do not count" {
  # Docker's rule: while starting within the start period, checks run
  # every StartInterval (default 5 s), and their failures do not count.
  hull run -d --name sp --health-cmd 'false' --health-interval 1s --health-retries 1 \
    --health-start-period 6s busybox sleep 1000
  for ((i = 0; i < 70; i++)); do
    [ "$(hull inspect sp | jq '.[0].State.Health.Log | length')" -ge 1 ] && break
    sleep 0.1
  done
  [ "$(hull inspect sp | jq '.[0].State.Health.Log | length')" -eq 1 ]
  [ "$(health sp Status)" = "starting" ]
  [ "$(health sp FailingStreak)" = "0" ]
  wait_health sp unhealthy 7
  [ "$(health sp FailingStreak)" = "1" ]
}

@test "Log keeps the last 5 results" {
  hull run -d --name many --health-cmd 'date +%s%N' --health-interval 100ms busybox sleep 1000
  sleep 1.5
  [ "$(hull inspect many | jq '.[0].State.Health.Log | length')" -eq 5 ]
  [ "$(health many Status)" = "healthy" ]
}

@test "--no-healthcheck and no healthcheck: no Health, ps without a suffix" {
  hull run -d --name none --no-healthcheck busybox sleep 1000
  hull run -d --name plain busybox sleep 1000
  [ "$(hull inspect none | jq -r '.[0].State.Health')" = "null" ]
  [ "$(hull inspect plain | jq -r '.[0].State.Health')" = "null" ]
  run hull ps --format '{{.Status}}'
  [[ "${lines[0]}" == "Up "* && "${lines[0]}" != *"("* ]]
  run hull ps -f health=none -q
  [ "${#lines[@]}" -eq 2 ]
}

@test "a CMD healthcheck in exec form and a check that cannot run" {
  hull run -d --name form --health-cmd 'test -d /' --health-interval 1s busybox sleep 1000
  wait_health form healthy 5
  hull run -d --name missing --health-cmd 'no-such-command' --health-interval 1s --health-retries 1 \
    busybox sleep 1000
  wait_health missing unhealthy 5
  [ "$(hull inspect missing | jq -r '.[0].State.Health.Log[0].ExitCode')" = "127" ]
}

@test "ps --format: fields, table, json, and a bad template is an error before output" {
  hull run -d --name web --label tier=front busybox sleep 1000
  id=$(hull inspect web | jq -r '.[0].Id')
  run hull ps --format '{{.ID}} {{.Names}} {{.Status}}'
  [ "$status" -eq 0 ]
  [[ "$output" == "${id:0:12} web Up "* ]]
  run hull ps --format 'table {{.ID}}\t{{.Names}}\t{{.Label "tier"}}'
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "CONTAINER ID   NAMES     LABEL" ]
  [ "${lines[1]}" = "${id:0:12}   web       front" ]
  run hull ps --format '{{json .}}'
  [ "$status" -eq 0 ]
  [ "$(jq -r .Names <<<"$output")" = "web" ]
  [ "$(jq -r .State <<<"$output")" = "running" ]
  [ "$(jq -r .Labels <<<"$output")" = "tier=front" ]
  [ "$(jq -r '.LabelsMap // "absent"' <<<"$output")" = "absent" ]
  run hull ps --format '{{upper .Names}}|{{.Names | printf "%-5s"}}|'
  [ "$output" = "WEB|web  |" ]
  run hull ps --format '{{.ID}} {{.Nope}}'
  [ "$status" -eq 125 ]
  [ "$output" = "hull: template: format: can't evaluate field Nope" ]
  run hull ps --format '{{.ID'
  [ "$status" -eq 125 ]
  [[ "$output" == *"unclosed action"* ]]
}

@test "ps -f: status, name, id, label, ancestor, exited; same key OR, keys AND" {
  hull run -d --name web1 --label tier=front --label team=a busybox sleep 1000
  hull run -d --name db1 --label tier=back busybox sleep 1000
  hull create --name idle busybox true
  run hull run --name done busybox sh -c 'exit 3'
  [ "$status" -eq 3 ]
  ids() { hull ps "$@" --format '{{.Names}}' | sort | tr '\n' ' '; }
  [ "$(ids -f status=running)" = "db1 web1 " ]
  [ "$(ids -f status=exited)" = "done " ]        # a status filter implies -a
  [ "$(ids -f status=created -f status=exited)" = "done idle " ]
  [ "$(ids -a -f name=web)" = "web1 " ]
  [ "$(ids -a -f name=^d)" = "db1 done " ]
  [ "$(ids -a -f name=web1 -f name=db1)" = "db1 web1 " ]
  [ "$(ids -a -f label=tier)" = "db1 web1 " ]
  [ "$(ids -a -f label=tier=front)" = "web1 " ]
  [ "$(ids -a -f label=tier -f label=team=a)" = "web1 " ]   # labels: all must match
  [ "$(ids -a -f ancestor=busybox)" = "db1 done idle web1 " ]
  [ "$(ids -a -f ancestor=busybox:latest -f status=running)" = "db1 web1 " ]
  [ "$(ids -a -f ancestor=nosuch)" = "" ]
  [ "$(ids -a -f exited=3)" = "done " ]
  [ "$(ids -a -f exited=0)" = "" ]
  id=$(hull inspect db1 | jq -r '.[0].Id')
  [ "$(ids -a -f id=${id:0:6})" = "db1 " ]
  imageid=$(hull inspect db1 | jq -r '.[0].Image')
  [ "$(ids -a -f ancestor=${imageid#sha256:} -f name=web)" = "web1 " ]
}

@test "ps -f: a bad filter is an error" {
  run hull ps -f bogus=1
  [ "$status" -eq 125 ]
  [ "$output" = "hull: invalid filter 'bogus'" ]
  run hull ps -f status=sleeping
  [ "$status" -eq 125 ]
  [ "$output" = "hull: invalid filter 'status=sleeping'" ]
  run hull ps -f exited=x
  [ "$status" -eq 125 ]
  run hull ps -f name
  [ "$status" -eq 125 ]
  [[ "$output" == *"bad format of filter"* ]]
}
