package io.sagaline.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority of its own and a server certificate it signed for {@code localhost}
 * (nothing else: not 127.0.0.1), made with the JDK's keytool: the PEM files a PostgreSQL server
 * needs, and the authority as PEM and in a trust store, for clients that are to verify the server
 * as they do in AWS.
 */
public record TestCertificates(Path authority, Path serverCertificate, Path serverKey, Path trustStore,
        String trustStorePassword) {

    private static final String PASSWORD = "changeit-test";

    public static TestCertificates create(Path directory) throws Exception {
        Files.createDirectories(directory);
        Path ca = directory.resolve("ca.p12");
        Path server = directory.resolve("server.p12");
        Path trust = directory.resolve("trust.p12");
        for (Path p : List.of(ca, server, trust)) {
            Files.deleteIfExists(p);
        }
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=Sagaline Test CA",
                "-ext", "bc:c", "-validity", "30", "-keystore", ca.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
                "-validity", "30", "-keystore", server.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        Path request = directory.resolve("server.csr");
        keytool("-certreq", "-alias", "server", "-keystore", server.toString(), "-storepass", PASSWORD, "-file",
                request.toString());
        Path signed = directory.resolve("server.crt");
        keytool("-gencert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD, "-infile", request.toString(),
                "-outfile", signed.toString(), "-rfc", "-ext", "san=dns:localhost", "-validity", "30");
        Path caCertificate = directory.resolve("ca.crt");
        keytool("-exportcert", "-alias", "ca", "-keystore", ca.toString(), "-storepass", PASSWORD, "-rfc", "-file",
                caCertificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caCertificate.toString(), "-keystore", trust.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD);

        // PostgreSQL wants the key as PEM, readable by its owner only.
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(server)) {
            store.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) store.getKey("server", PASSWORD.toCharArray());
        Path keyFile = directory.resolve("server.key");
        Files.deleteIfExists(keyFile);
        Files.writeString(keyFile, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        return new TestCertificates(caCertificate, signed, keyFile, trust, PASSWORD);
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("keytool " + String.join(" ", args) + "\n" + out).isZero();
    }
}
