# carpd-guard: carpd's dead-man's switch (carpd(8), DEAD-MAN SWITCH). POSIX sh, no bashisms.
# carpd runs it as  /bin/sh -c "<this file>" carpd-guard LOCKFILE WAIT_SECONDS
# with standard input a pipe whose only writer is carpd. carpd never writes to it, so the read
# below returns exactly when carpd is gone, however it ended: a clean stop, kill -9, an OOM
# kill, a JVM crash. Then every link whose alias is carp4j is deleted, and with it the virtual
# addresses and the virtual MAC: a dead carpd never leaves a VIP up.
# LOCKFILE is flock'ed for the guard's whole life, so the guard of a restarted carpd waits until
# this one has finished deleting and never deletes a new carpd's interfaces.

# A terminal's ^C or systemd's SIGTERM to the whole group must not take the guard away before
# carpd's own clean stop; it leaves at end-of-file only.
trap '' INT TERM HUP
set -f # interface names are never patterns
PATH=/usr/sbin:/usr/bin:/sbin:/bin
lock=$1
wait=$2

ip=
for candidate in /usr/sbin/ip /sbin/ip /usr/bin/ip /bin/ip; do
    if [ -x "$candidate" ]; then
        ip=$candidate
        break
    fi
done
if [ -z "$ip" ]; then
    echo "carpd-guard: no ip command (iproute2) found" >&2
    exit 1
fi

exec 9>>"$lock" || exit 1
if ! flock -x -w "$wait" 9; then
    echo "carpd-guard: $lock is still locked after $wait s (the guard of a previous carpd still at work?)" >&2
    exit 1
fi
echo ready

while read -r _; do :; done

# "5: carp0@em0: <BROADCAST,...> ... link/ether 00:00:5e:00:01:01 brd ff:ff:ff:ff:ff:ff\    alias carp4j"
names=$("$ip" -o link show | while read -r _ name rest; do
    case "$rest\\" in
        *'\    alias carp4j\'*)
            name=${name%:}
            echo "${name%%@*}"
            ;;
    esac
done)
# The carpdevs' ARP sysctls as they were before carpd (CarpdevSysctls writes this file): put
# back after the links are gone. Only arp_ignore/arp_announce keys and small numbers are written.
restore_sysctls() {
    saved=${lock%/*}/carpdev-sysctls
    [ -f "$saved" ] || return 0
    while read -r key value; do
        case "$key" in
            net/ipv4/conf/*/*/*|*..*) continue ;;
            net/ipv4/conf/*/arp_ignore|net/ipv4/conf/*/arp_announce) ;;
            *) continue ;;
        esac
        case "$value" in
            ''|*[!0-9]*) continue ;;
        esac
        if [ -w "/proc/sys/$key" ] && echo "$value" >"/proc/sys/$key" 2>/dev/null; then
            echo "time=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ) level=warning event=guard" \
                "msg=\"carpd is gone: restored $(echo "$key" | tr / .)=$value\"" >&2
        fi
    done <"$saved"
    rm -f "$saved"
}

if [ -z "$names" ]; then
    restore_sysctls
    exit 0
fi
# One ip for all: the addresses first, so the VIPs leave at once (a link's deletion waits for
# the kernel's grace periods), then the links and with them the virtual MACs.
{
    for name in $names; do echo "address flush dev $name"; done
    for name in $names; do echo "link del dev $name"; done
} | "$ip" -force -batch - 2>/dev/null
for name in $names; do
    if ! "$ip" link show dev "$name" >/dev/null 2>&1; then
        echo "time=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ) level=warning event=guard" \
            "msg=\"carpd is gone: removed $name and its addresses\"" >&2
    fi
done
restore_sysctls
exit 0
