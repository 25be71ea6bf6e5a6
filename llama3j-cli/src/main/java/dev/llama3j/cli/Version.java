package dev.llama3j.cli;

import picocli.CommandLine;

/** Prints the version and the JVM it runs on. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            "llama3j " + (v == null ? "dev" : v),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
        };
    }
}
