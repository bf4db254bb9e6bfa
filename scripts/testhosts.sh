#!/usr/bin/env bash
# Test hosts for the mlps real-sshd suite and bench/multihost-tick: N network namespaces on a private bridge,
# each with its own hostname (UTS namespace), a veth address in 10.200.0.0/24 (exists only inside this
# machine) and a real OpenSSH sshd with a host key and an authorized key made for this run.
# Verified recipe: /work/shared/TESTHOSTS.md. Traffic only ever goes to the addresses created here.
#
#   scripts/testhosts.sh up N [--dir DIR]        create N hosts (cleans leftovers first), write DIR/hosts.json
#   scripts/testhosts.sh down [--dir DIR]        stop every sshd, delete veths, namespaces and the bridge
#   scripts/testhosts.sh stop-sshd I [--dir DIR] stop host I's sshd (I from 1), for outage tests
#   scripts/testhosts.sh start-sshd I [--dir DIR] start it again with the same keys and address
#   scripts/testhosts.sh status [--dir DIR]      print hosts.json
#
# Several sets can be up at once (test suites of different packages running in parallel): each --dir gets
# its own instance K (0 for the default dir when free): bridge mlpsbrK, namespaces mlpsh1.. (K=0) or
# mlpsKh1.., subnet 10.200.K.0/24. Consumers read names and addresses from hosts.json, never guess them.
#
# Where network namespaces cannot be created, hosts are sshd instances on 127.0.0.1:220NN instead, and
# hosts.json says "mode": "loopback" (and this script says so on stderr): never a silent skip.
# MLPS_TESTHOSTS_MODE=loopback forces that fallback. MLPS_TESTHOSTS_DIR sets the default DIR.
# Needs root and the Debian packages openssh-server openssh-client iproute2 procps.
set -euo pipefail

PREFIX=mlps
LOOPBACK_BASE_PORT=22000
MAX_INSTANCES=50
REGISTRY=/run/mlps-testhosts
SSHD=${SSHD:-/usr/sbin/sshd}

die() { printf 'testhosts: %s\n' "$*" >&2; exit 1; }
say() { printf 'testhosts: %s\n' "$*" >&2; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

cmd=${1:-}
[[ -n $cmd ]] || die "usage: testhosts.sh up N|down|stop-sshd I|start-sshd I|status [--dir DIR] (--help for more)"
case $cmd in
  -h|--help|help) usage; exit 0 ;;
esac
shift
arg=""
if [[ $# -gt 0 && $1 != --* ]]; then arg=$1; shift; fi
DIR=${MLPS_TESTHOSTS_DIR:-/tmp/mlps-testhosts}
while [[ $# -gt 0 ]]; do
  case $1 in
    --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
    *) die "unknown argument: $1" ;;
  esac
done

[[ $(id -u) -eq 0 ]] || die "must run as root (creates network namespaces and runs sshd)"

# Instance K's names and addresses (K is set by use_instance).
K=0
use_instance() {
  K=$1
  BRIDGE=${PREFIX}br$K
  SUBNET_PREFIX=10.200.$K
  BRIDGE_ADDR=$SUBNET_PREFIX.1
  # An address inside our /24 that no host ever gets: tests use it as "unreachable".
  UNUSED_ADDR=$SUBNET_PREFIX.250
}
ns_name() { if [[ $K == 0 ]]; then echo "${PREFIX}h$1"; else echo "${PREFIX}${K}h$1"; fi; }
veth_name() { echo "${PREFIX}${K}v$1"; }
host_addr() { echo "$SUBNET_PREFIX.$((10 + $1))"; }
loopback_port() { echo $((LOOPBACK_BASE_PORT + K * 256 + $1)); }

case $cmd in
  up|down|stop-sshd|start-sshd|status) ;;
  *) die "unknown command '$cmd' (expected up, down, stop-sshd, start-sshd, status)" ;;
esac
# Only `up` makes the directory: any other command on a directory that is not there has nothing to act on
# (and must not leave an empty one behind in /tmp).
if [[ $cmd != up && ! -d $DIR ]]; then
  [[ $cmd == down ]] && { say "no test hosts in $DIR"; exit 0; }
  die "no test hosts in $DIR (run up first)"
fi
mkdir -p "$DIR" "$REGISTRY"
DIR=$(cd "$DIR" && pwd)
# One lock for all instances: allocation and teardown must not interleave.
exec 9>"$REGISTRY/.lock"
flock -w 120 9 || die "could not lock $REGISTRY/.lock"

# True when instance k's owner is gone (its dir deleted, reassigned, or none of its sshd alive).
instance_stale() {
  local k=$1 owner pidf
  owner=$(cat "$REGISTRY/$k" 2>/dev/null || true)
  [[ -n $owner && -d $owner && $(cat "$owner/instance" 2>/dev/null || true) == "$k" ]] || return 0
  for pidf in "$owner"/sshd-*.pid; do
    [[ -e $pidf ]] && kill -0 "$(cat "$pidf")" 2>/dev/null && return 1
  done
  return 0
}

# Picks this dir's instance: the one it had, else 0 when free, else the lowest free or stale one.
allocate_instance() {
  local k mine
  mine=$(cat "$DIR/instance" 2>/dev/null || true)
  if [[ -n $mine && $(cat "$REGISTRY/$mine" 2>/dev/null || true) == "$DIR" ]]; then echo "$mine"; return; fi
  for k in $(seq 0 $((MAX_INSTANCES - 1))); do
    if [[ ! -e $REGISTRY/$k ]] || instance_stale "$k"; then echo "$k"; return; fi
  done
  die "all $MAX_INSTANCES test-host instances are in use (see $REGISTRY)"
}

netns_supported() {
  local probe=${PREFIX}probe$$
  if ip netns add "$probe" 2>/dev/null; then
    ip netns del "$probe" 2>/dev/null || true
    return 0
  fi
  return 1
}

# Stops an sshd by PID and waits until it is gone (so its port is free for a restart).
kill_pid_wait() {
  local pid=$1
  [[ -n $pid ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
}

# Removes instance K's hosts: the sshd of DIR, then any namespace, veth and bridge of instance K.
cleanup_instance() {
  local f ns p i link pids
  for f in "$DIR"/sshd-*.pid; do
    [[ -e $f ]] || continue
    kill_pid_wait "$(cat "$f" 2>/dev/null || true)"
    rm -f "$f"
  done
  local ns_re
  if [[ $K == 0 ]]; then ns_re="^${PREFIX}h[0-9]+$"; else ns_re="^${PREFIX}${K}h[0-9]+$"; fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$ns_re" || true); do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    for p in $pids; do kill_pid_wait "$p"; done
    i=${ns##*h}
    ip link del "$(veth_name "$i")" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^${PREFIX}${K}v[0-9]+$" || true); do
    ip link del "$link" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -f "$DIR/hosts.json"
}

# Waits until the sshd at addr:port answers with an SSH banner.
wait_ssh() {
  local addr=$1 port=$2
  for _ in $(seq 1 100); do
    if banner=$(timeout 1 bash -c "exec 3<>/dev/tcp/$addr/$port && head -c 4 <&3" 2>/dev/null) && [[ $banner == SSH- ]]; then
      return 0
    fi
    sleep 0.05
  done
  return 1
}

write_config() {
  cat >"$DIR/sshd_config" <<EOF
# Made by scripts/testhosts.sh for one test run. Port/ListenAddress/HostKey/PidFile come as -o per host.
AuthorizedKeysFile $DIR/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
StrictModes no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
MaxSessions 64
MaxStartups 64:30:128
LogLevel ERROR
# Sessions run root's shell, and Debian's bash sources ~/.bashrc for ssh commands: where that runs
# 'pyenv init' (this kind of machine), a rehash lock left by a killed session makes every later session
# wait 60 s for it. Fail that wait at once (pyenv says so on stderr; the shims stay as they were).
SetEnv PYENV_REHASH_TIMEOUT=0
EOF
}

# start_sshd I: starts host I's sshd in its namespace (or on loopback) and records its PID.
start_sshd() {
  local i=$1 mode addr port ns
  mode=$(cat "$DIR/mode")
  mkdir -p /run/sshd
  if [[ $mode == netns ]]; then
    ns=$(ns_name "$i"); addr=$(host_addr "$i"); port=22
    # setsid: the sshd must outlive this script and not die with the caller's process group. Both
    # `unshare` and `sh -c` exec, so $! is the sshd itself.
    setsid ip netns exec "$ns" unshare --uts /bin/sh -c \
      "hostname $ns && exec $SSHD -D -e -f $DIR/sshd_config -o Port=$port -o ListenAddress=$addr \
       -o HostKey=$DIR/hostkey-$i -o PidFile=$DIR/sshd-$i.sshdpid" \
      </dev/null >>"$DIR/sshd-$i.log" 2>&1 &
  else
    addr=127.0.0.1; port=$(loopback_port "$i")
    setsid unshare --uts /bin/sh -c \
      "hostname $(ns_name "$i") && exec $SSHD -D -e -f $DIR/sshd_config -o Port=$port -o ListenAddress=$addr \
       -o HostKey=$DIR/hostkey-$i -o PidFile=$DIR/sshd-$i.sshdpid" \
      </dev/null >>"$DIR/sshd-$i.log" 2>&1 &
  fi
  echo $! >"$DIR/sshd-$i.pid"
  wait_ssh "$addr" "$port" || die "sshd of host $i did not come up on $addr:$port (see $DIR/sshd-$i.log)"
}

write_hosts_json() {
  local n=$1 mode=$2 i addr port out pid fp sep=""
  out="{\n  \"mode\": \"$mode\",\n  \"instance\": $K,\n"
  if [[ $mode == loopback ]]; then
    out+="  \"warning\": \"network namespaces unavailable: test hosts are sshd instances on 127.0.0.1 ports\",\n"
  fi
  out+="  \"bridge\": \"$([[ $mode == netns ]] && echo "$BRIDGE" || echo "")\",\n"
  out+="  \"bridgeAddress\": \"$([[ $mode == netns ]] && echo "$BRIDGE_ADDR" || echo "")\",\n"
  out+="  \"unusedAddress\": \"$([[ $mode == netns ]] && echo "$UNUSED_ADDR" || echo "")\",\n"
  out+="  \"identityFile\": \"$DIR/id_ed25519\",\n"
  out+="  \"knownHostsPath\": \"$DIR/known_hosts\",\n"
  out+="  \"sshdConfig\": \"$DIR/sshd_config\",\n"
  out+="  \"dir\": \"$DIR\",\n"
  out+="  \"hosts\": ["
  for i in $(seq 1 "$n"); do
    if [[ $mode == netns ]]; then addr=$(host_addr "$i"); port=22; else addr=127.0.0.1; port=$(loopback_port "$i"); fi
    pid=$(cat "$DIR/sshd-$i.pid")
    fp=$(ssh-keygen -lf "$DIR/hostkey-$i.pub" | awk '{print $2}')
    out+="$sep\n    {\"index\": $i, \"name\": \"$addr\", \"address\": \"$addr\", \"port\": $port, \"hostname\": \"$(ns_name "$i")\", \"user\": \"root\", \"netns\": \"$([[ $mode == netns ]] && ns_name "$i" || echo "")\", \"pid\": $pid, \"hostKeyFingerprint\": \"$fp\", \"hostKeyPath\": \"$DIR/hostkey-$i.pub\"}"
    sep=","
  done
  out+="\n  ]\n}\n"
  printf "%b" "$out" >"$DIR/hosts.json.tmp"
  mv "$DIR/hosts.json.tmp" "$DIR/hosts.json"
}

case $cmd in
  up)
    n=${arg:-3}
    [[ $n =~ ^[0-9]+$ && $n -ge 1 && $n -le 200 ]] || die "up needs a host count between 1 and 200, got '$n'"
    command -v ssh-keygen >/dev/null || die "ssh-keygen missing: apt-get install -y openssh-client"
    [[ -x $SSHD ]] || die "$SSHD missing: apt-get install -y openssh-server"
    command -v ip >/dev/null || die "ip missing: apt-get install -y iproute2"
    use_instance "$(allocate_instance)"
    # Whatever this instance held before (a crashed run, an earlier owner) goes first: up is idempotent.
    cleanup_instance
    echo "$K" >"$DIR/instance"
    echo "$DIR" >"$REGISTRY/$K"
    rm -f "$DIR"/hostkey-* "$DIR"/id_ed25519* "$DIR"/known_hosts "$DIR"/sshd-*.log
    ssh-keygen -q -t ed25519 -N '' -C mlps-testhosts -f "$DIR/id_ed25519"
    cp "$DIR/id_ed25519.pub" "$DIR/authorized_keys"
    write_config
    # MLPS_TESTHOSTS_MODE=loopback forces the fallback (to exercise it where namespaces do work).
    if [[ ${MLPS_TESTHOSTS_MODE:-} != loopback ]] && netns_supported; then mode=netns; else mode=loopback; fi
    echo "$mode" >"$DIR/mode"
    if [[ $mode == netns ]]; then
      ip link add "$BRIDGE" type bridge
      ip addr add "$BRIDGE_ADDR/24" dev "$BRIDGE"
      ip link set "$BRIDGE" up
    else
      say "WARNING: network namespaces unavailable (or MLPS_TESTHOSTS_MODE=loopback); falling back to sshd on 127.0.0.1:$(loopback_port 1) and up"
    fi
    : >"$DIR/known_hosts"
    for i in $(seq 1 "$n"); do
      ssh-keygen -q -t ed25519 -N '' -C "mlps-testhost-$i" -f "$DIR/hostkey-$i"
      if [[ $mode == netns ]]; then
        ns=$(ns_name "$i"); veth=$(veth_name "$i"); addr=$(host_addr "$i")
        ip netns add "$ns"
        ip link add "$veth" type veth peer name eth0 netns "$ns"
        ip link set "$veth" master "$BRIDGE" up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "$addr/24" dev eth0
        ip -n "$ns" link set eth0 up
        echo "$addr $(cut -d' ' -f1,2 "$DIR/hostkey-$i.pub")" >>"$DIR/known_hosts"
      else
        echo "[127.0.0.1]:$(loopback_port "$i") $(cut -d' ' -f1,2 "$DIR/hostkey-$i.pub")" >>"$DIR/known_hosts"
      fi
    done
    for i in $(seq 1 "$n"); do start_sshd "$i"; done
    echo "$n" >"$DIR/count"
    write_hosts_json "$n" "$mode"
    say "$n test host(s) up ($mode); see $DIR/hosts.json"
    ;;
  down)
    if [[ -e $DIR/instance ]]; then
      use_instance "$(cat "$DIR/instance")"
      cleanup_instance
      [[ $(cat "$REGISTRY/$K" 2>/dev/null || true) == "$DIR" ]] && rm -f "$REGISTRY/$K"
    fi
    rm -f "$DIR/count" "$DIR/mode" "$DIR/instance"
    say "test hosts down"
    ;;
  stop-sshd)
    [[ $arg =~ ^[0-9]+$ ]] || die "stop-sshd needs a host index (from 1)"
    [[ -e $DIR/instance ]] || die "no test hosts in $DIR (run up first)"
    use_instance "$(cat "$DIR/instance")"
    [[ -e $DIR/sshd-$arg.pid ]] || die "host $arg has no sshd PID in $DIR"
    master=$(cat "$DIR/sshd-$arg.pid")
    children=$(ps -o pid= --ppid "$master" 2>/dev/null || true)
    kill_pid_wait "$master"
    for p in $children; do kill_pid_wait "$p"; done
    # Sessions already open are served by per-connection sshd children: end them too, as a real outage would.
    if [[ $(cat "$DIR/mode") == netns ]]; then
      for p in $(ip netns pids "$(ns_name "$arg")" 2>/dev/null || true); do kill_pid_wait "$p"; done
    fi
    say "sshd of host $arg stopped"
    ;;
  start-sshd)
    [[ $arg =~ ^[0-9]+$ ]] || die "start-sshd needs a host index (from 1)"
    [[ -e $DIR/hostkey-$arg && -e $DIR/instance ]] || die "host $arg does not exist in $DIR (run up first)"
    use_instance "$(cat "$DIR/instance")"
    start_sshd "$arg"
    write_hosts_json "$(cat "$DIR/count")" "$(cat "$DIR/mode")"
    say "sshd of host $arg started"
    ;;
  status)
    [[ -e $DIR/hosts.json ]] || die "no test hosts in $DIR"
    cat "$DIR/hosts.json"
    ;;
  *)
    die "unknown command '$cmd' (expected up, down, stop-sshd, start-sshd, status)"
    ;;
esac
