package io.sagaline.local;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks an AWS Signature Version 4 as AWS does: the canonical request is built again from the
 * request as received (the path encoded twice, the query sorted, exactly the headers the caller
 * says it signed, the body's hash), signed at the instant the caller says it signed (which must be
 * within 15 minutes of now) with the secret of the access key it names, and the signatures must be
 * equal. (The AWS SDK's signer cannot do it: it adds and signs x-amz-content-sha256, which other
 * clients, the aws CLI among them, do not send.) A refusal names AWS's error code and message.
 */
final class SigV4Verifier {

    /** A request AWS would refuse: the error code (the {@code __type}) and its message. */
    static final class Refusal extends RuntimeException {
        private final String code;

        Refusal(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        String code() {
            return code;
        }
    }

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256\\s+Credential=([^/,\\s]+)/(\\d{8})/([^/,\\s]+)/([^/,\\s]+)/aws4_request,\\s*"
                    + "SignedHeaders=([^,\\s]+),\\s*Signature=([0-9a-f]{64})\\s*");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Duration SKEW = Duration.ofMinutes(15);
    /** Headers that choose what a request does; every SDK and the CLI sign them. */
    private static final List<String> MUST_BE_SIGNED = List.of("x-amz-target", "x-amz-invocation-type", "x-amz-log-type",
            "x-amz-client-context", "content-type");

    private final Map<String, String> secrets;
    private final Clock clock;

    /** {@code secrets}: access key id to secret access key. */
    SigV4Verifier(Map<String, String> secrets, Clock clock) {
        this.secrets = Map.copyOf(secrets);
        this.clock = clock;
    }

    /**
     * Verifies a request as received: its path and query as they came on the request line,
     * {@code header} looks a header up by its lower-case name, {@code body} the bytes received.
     */
    void verify(String method, String rawPath, String rawQuery, java.util.function.Function<String, String> header,
            byte[] body) {
        String authorization = header.apply("authorization");
        if (authorization == null) {
            throw new Refusal("MissingAuthenticationTokenException", "Missing Authentication Token");
        }
        Matcher m = AUTHORIZATION.matcher(authorization);
        if (!m.matches()) {
            throw new Refusal("IncompleteSignatureException",
                    "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters for "
                            + "AWS4-HMAC-SHA256. Authorization=" + authorization.split("\\s")[0]);
        }
        String accessKey = m.group(1);
        String region = m.group(3);
        String service = m.group(4);
        List<String> signedHeaders = Arrays.asList(m.group(5).split(";"));
        String secret = secrets.get(accessKey);
        if (secret == null) {
            throw new Refusal("UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        String amzDate = header.apply("x-amz-date");
        Instant signedAt;
        try {
            signedAt = AMZ_DATE.parse(amzDate == null ? "" : amzDate, Instant::from);
        } catch (DateTimeParseException e) {
            throw new Refusal("IncompleteSignatureException", "Authorization header requires existence of either a "
                    + "'X-Amz-Date' or a 'Date' header in the ISO 8601 basic format.");
        }
        if (!m.group(2).equals(amzDate.substring(0, 8))) {
            throw new Refusal("InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                    + "version of date from HTTP: '" + m.group(2) + "' != '" + amzDate.substring(0, 8) + "'");
        }
        Instant now = clock.instant();
        if (Duration.between(signedAt, now).abs().compareTo(SKEW) > 0) {
            throw new Refusal("InvalidSignatureException", "Signature expired: " + amzDate + " is now earlier than "
                    + AMZ_DATE.format(now.minus(SKEW)) + " (" + AMZ_DATE.format(now) + " - 15 min.)");
        }
        if (!signedHeaders.contains("host")) {
            throw new Refusal("InvalidSignatureException", "'Host' or ':authority' must be a 'SignedHeader' in the "
                    + "AWS Authorization.");
        }
        for (String name : MUST_BE_SIGNED) {
            // These choose what the request does (the operation, sync or async, the log): a request
            // replayed with one of them changed or added must not pass for the one that was signed.
            if (header.apply(name) != null && !signedHeaders.contains(name)) {
                throw new Refusal("InvalidSignatureException", "'" + name + "' must be a 'SignedHeader' in the AWS "
                        + "Authorization.");
            }
        }

        StringBuilder canonical = new StringBuilder().append(method).append('\n').append(canonicalUri(rawPath)).append('\n')
                .append(canonicalQuery(rawQuery)).append('\n');
        for (String name : signedHeaders) {
            String value = header.apply(name);
            if (value == null) {
                throw new Refusal("InvalidSignatureException", "The request signature we calculated does not match the "
                        + "signature you provided: signed header " + name + " is missing.");
            }
            canonical.append(name).append(':').append(value.trim().replaceAll(" +", " ")).append('\n');
        }
        canonical.append('\n').append(m.group(5)).append('\n').append(hex(sha256(body)));
        String scope = m.group(2) + "/" + region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), m.group(2));
        key = hmac(hmac(hmac(key, region), service), "aws4_request");
        String expected = hex(hmac(key, toSign));
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                m.group(6).getBytes(StandardCharsets.US_ASCII))) {
            throw new Refusal("InvalidSignatureException", "The request signature we calculated does not match the "
                    + "signature you provided. Check your AWS Secret Access Key and signing method. Consult the service "
                    + "documentation for details.");
        }
    }

    /**
     * The path as it came on the request line (encoded once by the client), its dot segments
     * removed and every segment encoded again: every AWS service but S3 signs the path encoded twice.
     */
    private static String canonicalUri(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return "/";
        }
        String normalized = URI.create("http://h" + rawPath.replace(" ", "%20")).normalize().getRawPath();
        List<String> segments = new ArrayList<>();
        for (String segment : normalized.split("/", -1)) {
            segments.add(encode(segment));
        }
        return String.join("/", segments);
    }

    /** Parameters decoded, encoded as RFC 3986 says, sorted by name then value. */
    private static String canonicalQuery(String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            pairs.add(new String[] { encode(decode(name)), encode(decode(value)) });
        }
        pairs.sort(Comparator.<String[], String> comparing(p -> p[0]).thenComparing(p -> p[1]));
        StringBuilder out = new StringBuilder();
        for (String[] p : pairs) {
            out.append(out.isEmpty() ? "" : "&").append(p[0]).append('=').append(p[1]);
        }
        return out.toString();
    }

    private static String decode(String text) {
        return java.net.URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** SigV4's URI encoding: every byte but the unreserved characters A-Z a-z 0-9 - _ . ~ as %XY. */
    private static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    /** Whether {@code host} (as {@code quarkus.http.host} names it) is a loopback address only. */
    /**
     * Whether {@code host} names this machine: {@code localhost} or a loopback address literal (not a name that begins with
     * 127.).
     */
    static boolean loopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.equals("::1") || h.equals("[::1]") || LOOPBACK_V4.matcher(h).matches();
    }

    private static final java.util.regex.Pattern LOOPBACK_V4 = java.util.regex.Pattern
            .compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
}
