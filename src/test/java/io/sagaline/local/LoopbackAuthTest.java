package io.sagaline.local;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * On loopback the local AWS APIs take any credentials, as local emulators do, but only from an
 * AWS tool: a request without a SigV4 Authorization (what a web page can make a browser send to
 * localhost), with an Origin, or for a host that is not this machine (DNS rebinding) is refused.
 */
class LoopbackAuthTest {

    private static final String SIGNED = "AWS4-HMAC-SHA256 Credential=anything/20261201/us-east-1/lambda/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=" + "0".repeat(64);

    private final LocalAwsAuth auth = new LocalAwsAuth("localhost", Optional.empty(), Optional.empty(), Optional.empty());

    private void check(Map<String, String> headers) {
        auth.check("POST", "/2015-03-31/functions/reserve-credit/invocations", "", headers::get, new byte[0]);
    }

    @Test
    void anAwsToolsRequest_isTakenWithAnyCredentials() {
        assertThatCode(() -> check(Map.of("authorization", SIGNED, "host", "localhost:8080"))).doesNotThrowAnyException();
        assertThatCode(() -> check(Map.of("authorization", SIGNED, "host", "127.0.0.1:8080"))).doesNotThrowAnyException();
    }

    @Test
    void aRequestWithoutASignature_isMissingAuthenticationToken() {
        assertThatThrownBy(() -> check(Map.of("host", "localhost:8080"))).isInstanceOfSatisfying(SigV4Verifier.Refusal.class,
                r -> org.assertj.core.api.Assertions.assertThat(r.code()).isEqualTo("MissingAuthenticationTokenException"));
    }

    @Test
    void aWebPagesRequest_orOneForAnotherHost_isRefused() {
        assertThatThrownBy(() -> check(Map.of("authorization", SIGNED, "host", "localhost:8080", "origin",
                "https://evil.example"))).isInstanceOf(SigV4Verifier.Refusal.class);
        assertThatThrownBy(() -> check(Map.of("authorization", SIGNED, "host", "rebound.evil.example:8080")))
                .isInstanceOf(SigV4Verifier.Refusal.class);
    }

    @Test
    void theConsolesOwnPage_isTaken_butAPageOfAnotherOriginOrARebindingName_isNot() {
        assertThatCode(() -> check(Map.of("authorization", SIGNED, "host", "localhost:8080", "origin",
                "http://localhost:8080"))).doesNotThrowAnyException();
        assertThatCode(() -> check(Map.of("authorization", SIGNED, "host", "127.0.0.1:8080", "origin",
                "http://127.0.0.1:8080"))).doesNotThrowAnyException();
        // another port of this machine is another origin
        assertThatThrownBy(() -> check(Map.of("authorization", SIGNED, "host", "localhost:8080", "origin",
                "http://localhost:3000"))).isInstanceOf(SigV4Verifier.Refusal.class);
        // a rebinding page's name that begins like a loopback address is its own origin, and no loopback host
        assertThatThrownBy(() -> check(Map.of("authorization", SIGNED, "host", "127.0.0.1.evil.example:8080", "origin",
                "http://127.0.0.1.evil.example:8080"))).isInstanceOf(SigV4Verifier.Refusal.class);
        assertThatThrownBy(() -> check(Map.of("authorization", SIGNED, "host", "127.0.0.1.evil.example:8080")))
                .isInstanceOf(SigV4Verifier.Refusal.class);
    }

    @Test
    void beyondLoopback_withoutAKeyConfigured_theRuntimeRefusesToStart() {
        assertThatThrownBy(() -> new LocalAwsAuth("0.0.0.0", Optional.empty(), Optional.empty(), Optional.empty()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("sagaline.local.aws-auth.access-key-id");
    }
}
