#compdef carpconfig carpsysctl carpd carpsh
# zsh completion for carp4j. Install: copy to a directory on $fpath as _carp4j, then compinit.

_carp4j_interfaces() { local -a i; i=(${(f)"$(carpconfig -l 2>/dev/null | tr ' ' '\n')"}); compadd -a i }
_carp4j_host_interfaces() {
    local -a i; i=(/sys/class/net/*(N:t)); i=(${i:#lo}); i=(${i:#carp<->}); compadd -a i
}

_carpconfig() {
    local -a keywords
    keywords=(create destroy up down vhid advbase advskew pass -pass carpdev -carpdev carppeer -carppeer state inet inet6 netmask prefixlen broadcast alias -alias --json)
    if (( CURRENT == 2 )); then
        _carp4j_interfaces; compadd -- -a -l -g --json --help --version; return
    fi
    if [[ $words[2] == -g ]]; then
        (( CURRENT == 3 )) && compadd carp
        (( CURRENT == 4 )) && compadd -- carpdemote -carpdemote --json
        return
    fi
    case $words[CURRENT-1] in
        state) compadd init backup master ;;
        advbase) local -a d; d=('1  -- 1 s (the default)' '0  -- sub-second: every advskew/256 s'); compadd -l -d d -- 1 0 ;;
        carpdev) _carp4j_host_interfaces ;;
        vhid|advskew|pass|carppeer|inet|inet6|netmask|prefixlen|broadcast) ;;
        *) compadd -a keywords ;;
    esac
}

_carpsysctl() {
    compadd -S '' net.inet.carp.allow net.inet.carp.preempt net.inet.carp.log net.inet.carp.arpbalance net.inet.carp.replay net.inet.carp.garprefresh net.inet.carp.strictauth net.inet.carp.stats
    compadd -- -a -A -n -w --help --version
}

case $service in
    carpconfig) _carpconfig ;;
    carpsysctl) _carpsysctl ;;
    carpd) _arguments '--state-dir[state directory]:directory:_files -/' '--port[control port]:port:' \
        '--metrics-port[Prometheus metrics port]:port:' '--hooks-dir[state-change hooks]:directory:_files -/' \
        '--upscript[run on becoming MASTER]:file:_files' '--downscript[run on leaving MASTER]:file:_files' \
        '--hook-timeout[seconds per hook]:seconds:' \
        '--cleanup[remove what a killed carpd left]' '--check[check the state file]:file:_files' '--help' '--version' ;;
    carpsh) _arguments '-c[run one line]:line:' '--help' '--version' ;;
esac
