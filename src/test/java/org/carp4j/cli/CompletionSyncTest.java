package org.carp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.carp4j.commands.Arg;
import org.carp4j.commands.Flag;
import org.carp4j.commands.Keyword;
import org.carp4j.config.SysctlVar;
import org.carp4j.daemon.Carpd;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The hand-written bash and zsh completion scripts and the man pages say what the grammar's
 * tables say (and carpd's options what its picocli model says): a keyword added to the table and
 * forgotten in a script fails here.
 */
class CompletionSyncTest {
    static final Path ROOT = Path.of(System.getProperty("carp4j.root", "."));
    static final String BASH = read("completions/carp4j.bash");
    static final String ZSH = read("completions/_carp4j.zsh");

    static String read(String path) {
        try {
            return Files.readString(ROOT.resolve(path));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The first group of the first match, split on blanks or |. */
    static Set<String> words(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), "no " + regex);
        return new TreeSet<>(Arrays.asList(m.group(1).trim().split("[\\s|]+")));
    }

    static Set<String> set(List<String> l) {
        return new TreeSet<>(l);
    }

    static Set<String> keywordsAfterAnInterface() {
        return set(ShellCompleter.KEYWORDS);
    }

    /** Keywords whose value has no candidates (a number, a passphrase, an address). */
    static Set<String> keywordsWithFreeValues() {
        return Arrays.stream(Keyword.values()).filter(k -> k.arg().arity() == 1)
                .filter(k -> k.arg().kind() != Arg.Kind.STATE && k.arg().kind() != Arg.Kind.HOST_INTERFACE)
                .filter(k -> k != Keyword.ADVBASE) // offered its two modes, 0 and 1
                .map(Keyword::word).collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<String> sysctlNames() {
        Set<String> s = new TreeSet<>();
        SysctlVar.values();
        for (SysctlVar v : SysctlVar.values()) {
            s.add(v.fullName());
        }
        s.add(SysctlVar.PREFIX + "stats");
        return s;
    }

    @Test
    void bashHasTheTablesWords() {
        assertEquals(keywordsAfterAnInterface(), words(BASH, "local keywords=\"([^\"]*)\""));
        assertEquals(keywordsWithFreeValues(), words(BASH, "\\n\\s*([a-z0-9|-]+)\\) COMPREPLY=\\(\\) ;;"));
        assertTrue(BASH.contains("state) mapfile -t COMPREPLY < <(compgen -W \"init backup master\""));
        assertTrue(BASH.contains("advbase) mapfile -t COMPREPLY < <(compgen -W \"0 1\""));
        assertTrue(BASH.contains("carpdev) mapfile -t COMPREPLY < <(compgen -W \"$(_carp4j_host_interfaces)\""));
        Set<String> group = words(BASH, "3\\) mapfile -t COMPREPLY < <\\(compgen -W \"([^\"]*)\"");
        assertTrue(group.containsAll(Flag.GroupWord.words()), group.toString());
        assertEquals(sysctlNames(), words(BASH, "local names=\"([^\"]*)\""));
    }

    @Test
    void zshHasTheTablesWords() {
        assertEquals(keywordsAfterAnInterface(), words(ZSH, "keywords=\\(([^)]*)\\)"));
        assertEquals(keywordsWithFreeValues(), words(ZSH, "\\n\\s*([a-z0-9|-]+)\\) ;;"));
        assertTrue(ZSH.contains("state) compadd init backup master ;;"));
        assertTrue(ZSH.contains("compadd -l -d d -- 1 0 ;;"), "advbase: its two modes");
        assertTrue(ZSH.contains("carpdev) _carp4j_host_interfaces ;;"));
        assertTrue(words(ZSH, "CURRENT == 4 \\)\\) && compadd -- ([^\\n]*)").containsAll(Flag.GroupWord.words()));
        assertEquals(sysctlNames(), words(ZSH, "compadd -S '' ([^\\n]*)"));
    }

    @Test
    void carpdOptionsMatchItsPicocliModel() {
        Set<String> options = new TreeSet<>();
        new CommandLine(new Carpd()).getCommandSpec().options().forEach(o -> options.add(o.longestName()));
        assertEquals(options, words(BASH, "compgen -W \"(--state-dir[^\"]*)\""));
        Set<String> zsh = new TreeSet<>();
        Matcher m = Pattern.compile("'(--[a-z-]+)[\\[']").matcher(ZSH.substring(ZSH.indexOf("carpd) _arguments")));
        while (m.find()) {
            zsh.add(m.group(1));
        }
        assertEquals(options, zsh);
    }

    @Test
    void carpconfigManPageListsEveryKeyword() {
        String man = read("man/carpconfig.8");
        Set<String> listed = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^\\.It (?:Oo )?Cm (.*)$").matcher(man);
        while (m.find()) {
            List<String> tokens = new ArrayList<>(Arrays.asList(m.group(1).split("\\s+")));
            // ".It Cm create , destroy": the words after Cm, up to the first argument or macro
            for (String t : tokens) {
                if (t.equals("Ar") || t.equals("Oc") || t.equals("Op") || t.equals("Oo")) {
                    break;
                }
                if (!t.equals(",") && !t.equals("Cm")) {
                    listed.add(t);
                }
            }
        }
        assertEquals(set(Keyword.words()), listed);
    }

    @Test
    void carpsysctlManPageListsEveryVariableWithItsRange() {
        String man = read("man/carpsysctl.8");
        for (SysctlVar v : SysctlVar.values()) {
            String line = ".It Va " + v.fullName() + " No " + v.min() + ".." + v.max() + ", default " + v.defaultValue();
            assertTrue(man.contains(line + "\n"), "carpsysctl.8 lacks: " + line);
        }
        Matcher m = Pattern.compile("(?m)^\\.It Va net\\.inet\\.carp\\.([a-z]+) ").matcher(man);
        int n = 0;
        while (m.find()) {
            n++;
        }
        assertEquals(SysctlVar.values().length, n, "a variable in carpsysctl.8 that the table does not have");
    }
}
