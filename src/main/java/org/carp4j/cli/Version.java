package org.carp4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** "carpd 0.1.0": the program's name and the pom's version, which the Debian package also carries. */
public final class Version implements IVersionProvider {
    @Spec
    CommandSpec spec;

    /** The pom's version, written into the jar by the build; "unknown" outside a Maven build. */
    public static String number() {
        try (InputStream in = Version.class.getResourceAsStream("/org/carp4j/version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {spec.qualifiedName() + " " + number()};
    }
}
