#!/usr/bin/env bats
# Networking: the default bridge, published ports, user networks, modes,
# and that nothing (veth, address, nft element, bridge) is left behind.
# Traffic stays on loopback, the test's bridges and a client namespace
# the tests make; every wait is bounded.

load helpers

eval "$(declare -f teardown | sed '1s/teardown/common_teardown/')"

CLIENT_NS=""

teardown() {
  if [[ -n $CLIENT_NS ]]; then
    ip netns del "$CLIENT_NS" 2>/dev/null || true
    ip link del "${CLIENT_NS}h" 2>/dev/null || true
  fi
  [[ -z ${LISTENER:-} ]] || kill "$LISTENER" 2>/dev/null || true
  common_teardown
}

table() {
  printf '%s' "$HULL_TEST_ROOT" | sha256sum | cut -c1-10 | sed 's/^/hull_/'
}

bridge_of() {
  hull network inspect "$1" | jq -r '.[0].Options["com.docker.network.bridge.name"]'
}

# A namespace acting as an outside client: a veth to the host, which
# answers on 198.18.99.1.  No default route: it can answer containers only
# when their traffic is masqueraded to 198.18.99.1.
make_client() {
  CLIENT_NS="hnc$$"  # not hull*: that prefix is hull's bridges
  ip netns add "$CLIENT_NS"
  ip link add "${CLIENT_NS}h" type veth peer name c0 netns "$CLIENT_NS"
  ip addr add 198.18.99.1/30 dev "${CLIENT_NS}h"
  ip link set "${CLIENT_NS}h" up
  ip -n "$CLIENT_NS" addr add 198.18.99.2/30 dev c0
  ip -n "$CLIENT_NS" link set c0 up
  ip -n "$CLIENT_NS" link set lo up
}

# The body of GET / from HOST:PORT (optionally from inside namespace NS).
http_get() {
  local host=$1 port=$2 ns=${3:-}
  local run=()
  [[ -z $ns ]] || run=(ip netns exec "$ns")
  printf 'GET / HTTP/1.0\r\n\r\n' | "${run[@]}" timeout 5 busybox nc -w 3 "$host" "$port" 2>/dev/null | tail -n 1
}

# Wait (bounded) until HOST:PORT serves WANT.
wait_http() {
  local i
  for i in $(seq 50); do
    [[ $(http_get "$@") == "$WANT" ]] && return 0
    sleep 0.1
  done
  echo "no answer from $*" >&2
  return 1
}

web() {
  hull run -d "$@" busybox sh -c 'mkdir -p /srv && echo "hello-$HOSTNAME" > /srv/index.html && exec httpd -f -p 80 -h /srv'
}

free_port() {
  local p
  for p in $(shuf -i 20000-40000 -n 20); do
    ! ss -Htuln "sport = :$p" | grep -q . && { echo "$p"; return; }
  done
  return 1
}

@test "default bridge: eth0 with an address, a default route, MTU 1500, lo up, and /etc files as Docker writes them" {
  run hull run --rm busybox sh -c 'ip addr show eth0; ip route; ip addr show lo; cat /etc/hosts; cat /etc/resolv.conf; hostname'
  [ "$status" -eq 0 ]
  [[ $output == *"mtu 1500"* ]]
  [[ $output == *"inet 10."* ]]
  [[ $output == *"default via 10."* ]]
  [[ $output == *"inet 127.0.0.1/8"* ]]
  [[ $output == *"127.0.0.1	localhost"* ]]
  [[ $output != *"nameserver 127."* ]]
  [[ $output == *"nameserver "* ]]
  local ip host
  ip=$(grep -o 'inet 10\.[0-9.]*' <<<"$output" | head -1 | cut -d' ' -f2)
  host=$(tail -n 1 <<<"$output")
  grep -qP "^$ip\t$host\$" <<<"$output"
  # the gateway (the bridge) answers
  run hull run --rm busybox sh -c 'ping -c 1 -W 2 $(ip route | awk "/default/ {print \$3}")'
  [ "$status" -eq 0 ]
  hull network inspect bridge | jq -e '.[0].Driver == "bridge"'
}

@test "--network none keeps only lo; --network host sees the host's interfaces" {
  run hull run --rm --network none busybox ip -o link
  [ "$status" -eq 0 ]
  [ "$(grep -c . <<<"$output")" -eq 1 ]
  [[ $output == *"lo:"* ]]
  run hull run --rm --network host busybox ip -o link
  [ "$(grep -c . <<<"$output")" -eq "$(ip -o link | grep -c .)" ]
}

@test "a published port answers from an outside namespace, from 127.0.0.1, from the host's own address and from containers (hairpin)" {
  make_client
  local port id hostip
  port=$(free_port)
  id=$(web --name web -p "$port:80")
  WANT="hello-${id:0:12}"
  wait_http 127.0.0.1 "$port"
  wait_http 198.18.99.1 "$port" "$CLIENT_NS"
  hostip=$(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1 | grep -v '^198\.18\.' | head -1)
  [[ -z $hostip ]] || wait_http "$hostip" "$port"
  # another container on the bridge, through the host
  run hull run --rm busybox sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 198.18.99.1 $port | tail -n 1"
  [ "$output" = "$WANT" ]
  # the container itself, through its own published port
  run hull exec web sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 198.18.99.1 $port | tail -n 1"
  [ "$output" = "$WANT" ]
  run hull port web
  [ "$output" = "80/tcp -> 0.0.0.0:$port" ]
  hull inspect web | jq -e --arg p "$port" '.[0].NetworkSettings.Ports["80/tcp"][0].HostPort == $p'
  hull inspect web | jq -e '.[0].NetworkSettings.IPAddress | startswith("10.")'
}

@test "outbound traffic is masqueraded; an --internal network reaches nothing beyond its bridge" {
  make_client
  hull run --rm busybox ping -c 1 -W 2 198.18.99.2
  hull network create --internal sealed
  run hull run --rm --network sealed busybox ping -c 1 -W 2 198.18.99.2
  [ "$status" -ne 0 ]
  hull run -d --name in1 --network sealed busybox sleep 60
  hull run --rm --network sealed busybox ping -c 1 -W 2 in1
}

@test "-p CONTAINERPORT chooses a free host port; -P publishes the exposed ports; IP:HOSTPORT binds one address; udp works" {
  local id port
  id=$(web -p 80)
  port=$(hull port "$id" 80)
  port=${port##*:}
  [[ $port =~ ^[0-9]+$ ]]
  WANT="hello-${id:0:12}"
  wait_http 127.0.0.1 "$port"
  run hull run -d -P --expose 7000 --expose 7001/udp busybox sleep 30
  [ "$status" -eq 0 ]
  run hull port "$output"
  [[ $output == *"7000/tcp -> 0.0.0.0:"* ]]
  [[ $output == *"7001/udp -> 0.0.0.0:"* ]]
  # only on 127.0.0.1
  local p2 id2
  p2=$(free_port)
  id2=$(web -p "127.0.0.1:$p2:80")
  WANT="hello-${id2:0:12}"
  wait_http 127.0.0.1 "$p2"
  make_client
  [ -z "$(http_get 198.18.99.1 "$p2" "$CLIENT_NS")" ]
  # udp (busybox here has no UDP server to answer it): the mapping is in
  # hull's table and in hull port
  local p3 id3 cip
  p3=$(free_port)
  id3=$(hull run -d -p "$p3:5353/udp" busybox sleep 60)
  cip=$(hull inspect "$id3" | jq -r '.[0].NetworkSettings.IPAddress')
  run hull port "$id3"
  [ "$output" = "5353/udp -> 0.0.0.0:$p3" ]
  nft list map ip "$(table)" pub_any | grep -q "udp . $p3 : $cip . 5353"
}

@test "user networks: containers find each other by name and alias, also ones started later; other networks cannot reach them" {
  hull network create front
  hull network create back
  hull run -d --name alpha --network front --network-alias first busybox sleep 60
  hull run -d --name beta --network front busybox sleep 60
  hull exec alpha ping -c 1 -W 2 beta
  hull exec beta ping -c 1 -W 2 first
  hull exec beta ping -c 1 -W 2 alpha
  # started later: the earlier ones learn its name
  hull run -d --name gamma --network front busybox sleep 60
  hull exec alpha ping -c 1 -W 2 gamma
  local ip
  ip=$(hull inspect alpha | jq -r '.[0].NetworkSettings.Networks.front.IPAddress')
  run hull run --rm --network back busybox ping -c 1 -W 2 "$ip"
  [ "$status" -ne 0 ]
  run hull run --rm busybox ping -c 1 -W 2 "$ip"
  [ "$status" -ne 0 ]
  # a rename reaches the others
  hull rename gamma delta
  hull exec alpha ping -c 1 -W 2 delta
  # gone from the others' hosts after rm
  hull rm -f delta
  run hull exec alpha cat /etc/hosts
  [[ $output != *delta* && $output != *gamma* ]]
}

@test "network create/ls/inspect/rm/prune, connect and disconnect" {
  run hull network create --subnet 10.123.45.0/24 --gateway 10.123.45.254 --internal mynet
  [ "$status" -eq 0 ]
  local id=$output
  [ "${#id}" -eq 64 ]
  hull network ls | grep -q mynet
  hull network ls -q | grep -q "^${id:0:12}$"
  hull network inspect mynet | jq -e '.[0].IPAM.Config[0].Subnet == "10.123.45.0/24" and .[0].IPAM.Config[0].Gateway == "10.123.45.254" and .[0].Internal'
  local br
  br=$(bridge_of mynet)
  ip link show "$br"
  hull run -d --name box busybox sleep 60
  hull network connect --ip 10.123.45.7 --alias boxy mynet box
  run hull exec box ip addr show eth1
  [[ $output == *"inet 10.123.45.7/24"* ]]
  hull network inspect mynet | jq -e '.[0].Containers | length == 1'
  run hull network rm mynet
  [ "$status" -eq 125 ]
  [[ $output == *"has active endpoints"* ]]
  hull network disconnect mynet box
  run hull exec box ip link show eth1
  [ "$status" -ne 0 ]
  hull network create spare
  run hull network prune
  [[ $output == *mynet* && $output == *spare* ]]
  run ip link show "$br"
  [ "$status" -ne 0 ]
  run hull network ls
  [[ $output != *mynet* ]]
}

@test "modes: container:NAME shares the namespace; --ip, --mac-address, --hostname, --add-host, --dns" {
  hull network create --subnet 10.124.0.0/24 fixed
  hull run -d --name base --network fixed --ip 10.124.0.50 --mac-address 92:d0:c6:0a:29:33 \
    --hostname basehost --add-host db.local:10.9.9.9 --dns 10.53.53.53 busybox sleep 60
  run hull exec base sh -c 'ip addr show eth0; hostname; cat /etc/hosts /etc/resolv.conf'
  [[ $output == *"inet 10.124.0.50/24"* ]]
  [[ $output == *"92:d0:c6:0a:29:33"* ]]
  [[ $output == *basehost* ]]
  [[ $output == *"10.9.9.9	db.local"* ]]
  [[ $output == *"10.124.0.50	basehost"* ]]
  [[ $output == *"nameserver 10.53.53.53"* ]]
  run hull run --rm --network container:base busybox ip addr show eth0
  [[ $output == *"inet 10.124.0.50/24"* ]]
  hull inspect base | jq -e '.[0].NetworkSettings.MacAddress == "92:d0:c6:0a:29:33" and .[0].HostConfig.NetworkMode == "fixed"'
}

@test "nothing leaked: rm, --rm, and rm -f after the monitor was killed leave no veth, address or rule" {
  local port id br mon
  port=$(free_port)
  hull run --rm -p "$(free_port):80" busybox true
  id=$(hull run -d -p "$port:80" busybox sleep 60)
  br=$(bridge_of bridge)
  [ "$(ip -o link show master "$br" | grep -c .)" -eq 1 ]
  nft list map ip "$(table)" pub_any | grep -q "$port"
  mon=$(jq .MonitorPid "$HULL_TEST_ROOT/containers/$id/state.json")
  local ns
  ns=$(hull inspect "$id" | jq -r '.[0].NetworkSettings.SandboxKey')
  grep -qF " $ns " /proc/self/mountinfo
  kill -9 "$mon"
  hull rm -f "$id"
  [ "$(ip -o link show master "$br" | grep -c .)" -eq 0 ]
  run nft list map ip "$(table)" pub_any
  [[ $output != *"$port"* ]]
  [ -z "$(ls "$HULL_TEST_ROOT/networks/bridge/ips")" ]
  [ -z "$(ls "$HULL_TEST_ROOT/networks/bridge/endpoints")" ]
  [ ! -e "$ns" ]
  ! grep -qF " $ns " /proc/self/mountinfo
  # reset takes the bridge and the table
  hull network reset
  run ip link show "$br"
  [ "$status" -ne 0 ]
  run nft list table ip "$(table)"
  [ "$status" -ne 0 ]
}

@test "50 containers started in parallel get 50 different addresses; a full subnet is a clear error" {
  local i
  for i in $(seq 50); do hull run -d busybox sleep 60 >/dev/null & done
  wait
  [ "$(hull ps -q | wc -l)" -eq 50 ]
  local ips
  ips=$(for d in "$HULL_TEST_ROOT"/containers/*/; do hull inspect "$(basename "$d")" | jq -r '.[0].NetworkSettings.IPAddress'; done)
  [ "$(sort -u <<<"$ips" | grep -c '^10\.')" -eq 50 ]
  remove_containers
  [ -z "$(ls "$HULL_TEST_ROOT/networks/bridge/ips")" ]
  hull network create --subnet 10.125.0.0/29 tiny
  for i in 1 2 3 4 5; do hull run -d --network tiny busybox sleep 60; done
  run hull run -d --network tiny busybox sleep 60
  [ "$status" -eq 125 ]
  [[ $output == *"no available IPv4 addresses"* ]]
  [ "$(container_dirs)" -eq 5 ]
}

@test "bad input: one clear error, exit 125, nothing half-made" {
  run hull run --rm -p 70000:80 busybox true
  [ "$status" -eq 125 ]
  [[ $output == *"invalid hostPort: 70000"* ]]
  run hull run --rm -p abc busybox true
  [ "$status" -eq 125 ]
  [[ $output == *"invalid containerPort: abc"* ]]
  local port
  port=$(free_port)
  timeout 30 busybox nc -l -p "$port" >/dev/null 2>&1 &
  LISTENER=$!
  for _ in $(seq 20); do ss -Htln "sport = :$port" | grep -q . && break; sleep 0.1; done
  run hull run --rm -p "$port:80" busybox true
  [ "$status" -eq 125 ]
  [[ $output == *"port is already allocated"* ]]
  [ "$(container_dirs)" -eq 0 ]
  # the same host port twice in one root
  port=$(free_port)
  hull run -d -p "$port:80" busybox sleep 60
  run hull run -d -p "$port:80" busybox sleep 60
  [ "$status" -eq 125 ]
  [[ $output == *"port is already allocated"* ]]
  [ "$(container_dirs)" -eq 1 ]
  hull network create --subnet 10.126.0.0/24 n1
  run hull run --rm --network n1 --ip 10.127.0.5 busybox true
  [ "$status" -eq 125 ]
  [[ $output == *"10.127.0.5"* ]]
  run hull network create --subnet 10.0.0.0/33 bad
  [ "$status" -eq 125 ]
  [[ $output == *"invalid subnet"* ]]
  run hull network create --subnet 10.126.0.128/25 n2
  [ "$status" -eq 125 ]
  [[ $output == *"overlaps"* ]]
  hull run -d --name user1 --network n1 busybox sleep 60
  run hull network rm n1
  [ "$status" -eq 125 ]
  [[ $output == *"active endpoints"* ]]
  run hull network ls -q
  [ "$(grep -c . <<<"$output")" -eq 2 ]
  run hull run --rm --network nosuch busybox true
  [ "$status" -eq 125 ]
  [[ $output == *"network nosuch not found"* ]]
  [ "$(container_dirs)" -eq 2 ]
}
