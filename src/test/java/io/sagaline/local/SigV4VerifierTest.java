package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The verifier against AWS's own Signature Version 4 test suite ({@code get-vanilla},
 * {@code post-x-www-form-urlencoded}): the signatures AWS publishes are accepted, and any change
 * to what was signed, the key, or the time is refused with AWS's error code.
 */
class SigV4VerifierTest {

    private static final String KEY = "AKIDEXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static final Instant SIGNED = Instant.parse("2015-08-30T12:36:00Z");
    private static final String VANILLA = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    private final SigV4Verifier verifier = new SigV4Verifier(Map.of(KEY, SECRET),
            Clock.fixed(SIGNED.plusSeconds(60), ZoneOffset.UTC));

    private static java.util.function.Function<String, String> headers(String authorization, String date) {
        Map<String, String> h = authorization == null ? Map.of("host", "example.amazonaws.com", "x-amz-date", date)
                : Map.of("host", "example.amazonaws.com", "x-amz-date", date, "authorization", authorization);
        return name -> h.get(name.toLowerCase());
    }

    @Test
    void awsGetVanilla_isAccepted() {
        assertThatCode(() -> verifier.verify("GET", "/", "", headers(VANILLA, "20150830T123600Z"),
                new byte[0])).doesNotThrowAnyException();
    }

    @Test
    void awsGetVanillaQueryOrderKeyCase_isAccepted() {
        String authorization = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500";
        assertThatCode(() -> verifier.verify("GET", "/", "Param2=value2&Param1=value1",
                headers(authorization, "20150830T123600Z"), new byte[0])).doesNotThrowAnyException();
    }

    @Test
    void awsGetVanillaWithAnotherMethodOrPathOrQueryOrBody_isInvalidSignature() {
        for (Runnable changed : new Runnable[] {
                () -> verifier.verify("POST", "/", "", headers(VANILLA, "20150830T123600Z"),
                        new byte[0]),
                () -> verifier.verify("GET", "/other", "", headers(VANILLA, "20150830T123600Z"),
                        new byte[0]),
                () -> verifier.verify("GET", "/", "a=b", headers(VANILLA, "20150830T123600Z"),
                        new byte[0]),
                () -> verifier.verify("GET", "/", "", headers(VANILLA, "20150830T123600Z"),
                        "{}".getBytes()) }) {
            assertThatThrownBy(changed::run).isInstanceOfSatisfying(SigV4Verifier.Refusal.class,
                    r -> assertThat(r.code()).isEqualTo("InvalidSignatureException"));
        }
    }

    @Test
    void aHeaderThatChoosesTheOperation_mustBeSigned() {
        Map<String, String> h = Map.of("host", "example.amazonaws.com", "x-amz-date", "20150830T123600Z", "authorization",
                VANILLA, "x-amz-target", "AWSStepFunctions.StopExecution");
        assertThatThrownBy(() -> verifier.verify("GET", "/", "", h::get, new byte[0]))
                .isInstanceOfSatisfying(SigV4Verifier.Refusal.class, r -> {
                    assertThat(r.code()).isEqualTo("InvalidSignatureException");
                    assertThat(r.getMessage()).contains("x-amz-target");
                });
    }

    @Test
    void anotherSecretForTheSameKey_isInvalidSignature() {
        SigV4Verifier wrongSecret = new SigV4Verifier(Map.of(KEY, "not-the-secret"),
                Clock.fixed(SIGNED, ZoneOffset.UTC));
        assertThatThrownBy(() -> wrongSecret.verify("GET", "/", "",
                headers(VANILLA, "20150830T123600Z"), new byte[0]))
                .isInstanceOfSatisfying(SigV4Verifier.Refusal.class,
                        r -> assertThat(r.code()).isEqualTo("InvalidSignatureException"));
    }

    @Test
    void anUnknownAccessKey_isUnrecognizedClient() {
        assertThatThrownBy(() -> verifier.verify("GET", "/", "",
                headers(VANILLA.replace("AKIDEXAMPLE", "AKIDOTHER"), "20150830T123600Z"), new byte[0]))
                .isInstanceOfSatisfying(SigV4Verifier.Refusal.class,
                        r -> assertThat(r.code()).isEqualTo("UnrecognizedClientException"));
    }

    @Test
    void noAuthorization_isMissingAuthenticationToken_andAMalformedOneIsIncomplete() {
        assertThatThrownBy(() -> verifier.verify("GET", "/", "",
                headers(null, "20150830T123600Z"), new byte[0]))
                .isInstanceOfSatisfying(SigV4Verifier.Refusal.class,
                        r -> assertThat(r.code()).isEqualTo("MissingAuthenticationTokenException"));
        assertThatThrownBy(() -> verifier.verify("GET", "/", "",
                headers("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE", "20150830T123600Z"), new byte[0]))
                .isInstanceOfSatisfying(SigV4Verifier.Refusal.class,
                        r -> assertThat(r.code()).isEqualTo("IncompleteSignatureException"));
    }

    @Test
    void aSignatureFromMoreThanFifteenMinutesAgo_hasExpired() {
        SigV4Verifier later = new SigV4Verifier(Map.of(KEY, SECRET), Clock.fixed(SIGNED.plusSeconds(16 * 60), ZoneOffset.UTC));
        assertThatThrownBy(() -> later.verify("GET", "/", "", headers(VANILLA, "20150830T123600Z"),
                new byte[0])).isInstanceOfSatisfying(SigV4Verifier.Refusal.class, r -> {
                    assertThat(r.code()).isEqualTo("InvalidSignatureException");
                    assertThat(r.getMessage()).startsWith("Signature expired");
                });
    }

    @Test
    void onlyLoopbackHostsAreLoopback() {
        assertThat(SigV4Verifier.loopback("localhost")).isTrue();
        assertThat(SigV4Verifier.loopback("127.0.0.1")).isTrue();
        assertThat(SigV4Verifier.loopback("::1")).isTrue();
        assertThat(SigV4Verifier.loopback("0.0.0.0")).isFalse();
        assertThat(SigV4Verifier.loopback("192.168.1.20")).isFalse();
    }
}
