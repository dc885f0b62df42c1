package org.carp4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.carp4j.commands.Arg;
import org.carp4j.commands.CarpconfigLine;
import org.carp4j.commands.CommandException;
import org.carp4j.commands.Flag;
import org.carp4j.commands.HostInterface;
import org.carp4j.commands.Ifconfig;
import org.carp4j.commands.IfconfigRequest;
import org.carp4j.commands.Keyword;
import org.carp4j.commands.Suggest;
import org.carp4j.commands.Sysctl;
import org.carp4j.config.Limits;
import org.carp4j.config.StateDocument;
import org.carp4j.config.StateFile;
import org.carp4j.config.SysctlVar;
import org.carp4j.config.Sysctls;
import org.carp4j.config.VhostConfig;
import org.carp4j.config.VipAddress;
import org.carp4j.control.Protocol;

/** Everything carpd parses from outside: control requests, the state file, command words. */
class ParsersFuzzTest {
    /** The grammar's own words (every keyword, flag and group word, every sysctl), and values around their edges. */
    static final List<String> WORDS = words();

    private static List<String> words() {
        List<String> w = new ArrayList<>(Keyword.words());
        w.addAll(Flag.words());
        w.addAll(Flag.GroupWord.words());
        w.add(Flag.GROUP_NAME);
        for (SysctlVar v : SysctlVar.values()) {
            w.add(v.shortName() + "=" + v.max());
            w.add(v.fullName() + "=" + (v.max() + 1));
            w.add(v.fullName());
        }
        for (Keyword k : Keyword.values()) {
            if (k.arg().kind() == Arg.Kind.NUMBER) {
                w.addAll(List.of(Integer.toString(k.arg().min()), Integer.toString(k.arg().max()),
                        Integer.toString(k.arg().max() + 1)));
            }
        }
        w.addAll(List.of("master", "backup", "init", "em0", "em1", "carp0", "1", "-1", "10.0.0.1", "10.0.0.1/24",
                "10.0.0.255", "10.0.0.0", "10.0.0.2", "255.255.255.0", "0xffffff00", "2001:db8::1", "64", "10.0.0.3",
                "224.0.0.18", "127.0.0.1", "-an", "mtu", "vhdi"));
        w.addAll(Suggest.UNSUPPORTED.stream().sorted().limit(5).toList());
        return List.copyOf(w);
    }

    /** A control request line: decoded, or refused with IllegalArgumentException. Never anything else. */
    @FuzzTest(maxDuration = "30s")
    void controlRequest(byte[] line) {
        try {
            Protocol.Request r = Protocol.decodeRequest(new String(line, StandardCharsets.UTF_8));
            assertTrue(r.token() != null && r.op() != null && r.args() != null);
        } catch (IllegalArgumentException refused) {
            // the daemon answers "exit 2" and changes nothing
        }
    }

    /** A state file: parsed into a valid document that survives a save/load round trip, or refused. */
    @FuzzTest(maxDuration = "30s")
    void stateFile(byte[] bytes) {
        StateDocument doc;
        try {
            doc = StateFile.parse(Path.of("fuzz.json"), bytes);
        } catch (StateFile.InvalidStateException refused) {
            assertTrue(!refused.problems().isEmpty());
            return;
        }
        assertEquals(List.of(), Limits.problems(doc));
        try {
            assertEquals(doc, StateFile.parse(Path.of("again.json"), StateFile.render(doc)));
        } catch (StateFile.InvalidStateException e) {
            throw new AssertionError("a document we accepted does not load after saving", e);
        }
    }

    /** carpconfig words: a valid new configuration, or a refusal that names a word. */
    @FuzzTest(maxDuration = "30s")
    void ifconfigWords(FuzzedDataProvider data) {
        StateDocument doc = StateDocument.EMPTY.with(new VhostConfig("carp0", 1, "pw", "em0", 1, 0,
                List.of(VipAddress.parse("10.0.0.1/24")), true)).with(VhostConfig.created("carp1"));
        List<String> words = new ArrayList<>();
        int n = data.consumeInt(0, 12);
        for (int i = 0; i < n; i++) {
            words.add(data.consumeBoolean() ? data.pickValue(WORDS) : data.consumeString(20));
        }
        String name = data.pickValue(List.of("carp0", "carp1", "carp2", "em0", data.consumeString(8)));
        Ifconfig ifconfig = new Ifconfig(List.of(new HostInterface("em0", List.of(VipAddress.parse("10.0.0.2/24")))));
        try {
            IfconfigRequest r = ifconfig.parse(doc, name, words);
            assertEquals(List.of(), Limits.problems(r.next()), "an accepted command leaves a valid configuration");
        } catch (CommandException refused) {
            assertTrue(!refused.getMessage().isBlank());
        }
        List<String> line = new ArrayList<>(words);
        line.add(0, name);
        try {
            assertTrue(CarpconfigLine.parse(line) != null, "the whole command line parses into a plan");
        } catch (CommandException refused) {
            assertTrue(!refused.getMessage().isBlank());
        }
        try {
            Sysctl.Result r = new Sysctl().run(Sysctls.DEFAULTS, java.util.Map.of("ipackets", 0L), words);
            assertEquals(List.of(), Limits.problems(StateDocument.EMPTY.withSysctls(r.sysctls())));
        } catch (CommandException refused) {
            assertTrue(!refused.getMessage().isBlank());
        }
    }
}
