# bash completion for carp4j: carpconfig, carpsysctl, carpd, carpsh.
# Install: source this file, or copy it to /usr/share/bash-completion/completions/ once per command
# name (carpconfig, carpsysctl, carpd, carpsh) or with `complete` lines as below.

_carp4j_interfaces() {
    # carp interfaces come from the running daemon; nothing if it is not running
    carpconfig -l 2>/dev/null
}

_carp4j_host_interfaces() {
    local d
    for d in /sys/class/net/*; do
        d=${d##*/}
        [[ $d == lo || $d == carp[0-9]* ]] || printf '%s\n' "$d"
    done
}

_carpconfig() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local keywords="create destroy up down vhid advbase advskew pass -pass carpdev -carpdev carppeer -carppeer state inet inet6 netmask prefixlen broadcast alias -alias --json"
    if ((COMP_CWORD == 1)); then
        mapfile -t COMPREPLY < <(compgen -W "$(_carp4j_interfaces) -a -l -g --json --help --version" -- "$cur")
        return
    fi
    if [[ ${COMP_WORDS[1]} == -g ]]; then
        case $COMP_CWORD in
            2) mapfile -t COMPREPLY < <(compgen -W "carp" -- "$cur") ;;
            3) mapfile -t COMPREPLY < <(compgen -W "carpdemote -carpdemote --json" -- "$cur") ;;
        esac
        return
    fi
    case $prev in
        state) mapfile -t COMPREPLY < <(compgen -W "init backup master" -- "$cur") ;;
        advbase) mapfile -t COMPREPLY < <(compgen -W "0 1" -- "$cur") ;; # 0: sub-second, advskew/256 s
        carpdev) mapfile -t COMPREPLY < <(compgen -W "$(_carp4j_host_interfaces)" -- "$cur") ;;
        vhid|advskew|pass|carppeer|inet|inet6|netmask|prefixlen|broadcast) COMPREPLY=() ;;
        *) mapfile -t COMPREPLY < <(compgen -W "$keywords" -- "$cur") ;;
    esac
}

_carpsysctl() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local names="net.inet.carp.allow net.inet.carp.preempt net.inet.carp.log net.inet.carp.arpbalance net.inet.carp.replay net.inet.carp.garprefresh net.inet.carp.strictauth net.inet.carp.stats"
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "-a -A -n -w --help --version" -- "$cur")
    else
        compopt -o nospace 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur")
    fi
}

_carpd() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    case $prev in
        --state-dir|--hooks-dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return ;;
        --upscript|--downscript) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        --port|--metrics-port|--hook-timeout) COMPREPLY=(); return ;;
    esac
    mapfile -t COMPREPLY < <(compgen -W "--state-dir --port --metrics-port --hooks-dir --upscript --downscript --hook-timeout --cleanup --check --help --version" -- "$cur")
}

_carpsh() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    mapfile -t COMPREPLY < <(compgen -W "-c --help --version" -- "$cur")
}

complete -F _carpconfig carpconfig
complete -F _carpsysctl carpsysctl
complete -F _carpd carpd
complete -F _carpsh carpsh
