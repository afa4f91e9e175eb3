package io.sagaline.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Which addresses a webhook may reach, in AWS (public only, https only) and locally (loopback and
 * http to it too): every form of an address of our own network is refused, IPv6 disguises included.
 */
class WebhookUrlsTest {

    private final WebhookUrls aws = new WebhookUrls(false);
    private final WebhookUrls local = new WebhookUrls(true);

    @Test
    void everyAddressOfOurOwnNetwork_isRefused_inAwsAndLocally() throws Exception {
        for (String address : List.of("10.1.2.3", "172.31.255.1", "192.168.0.1", "169.254.169.254", "0.0.0.0",
                "0.1.2.3", "100.64.0.1", "100.127.255.254", "224.0.0.1", "240.0.0.1", "255.255.255.255", "198.18.0.1",
                "192.0.0.8", "fe80::1", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1", "::", "::ffff:10.0.0.1",
                "::ffff:169.254.169.254", "::10.0.0.1", "64:ff9b::a9fe:a9fe", "2002:0a00:0001::1", "::ffff:0:10.0.0.1",
                "64:ff9b:1::a00:1", "192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1")) {
            InetAddress a = InetAddress.getByName(address);
            assertThat(aws.refusal(a)).as(address + " in AWS").isNotNull();
            assertThat(local.refusal(a)).as(address + " locally").isNotNull();
        }
    }

    @Test
    void loopback_isLocalOnly_andPublicAddressesAreTaken() throws Exception {
        for (String address : List.of("127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1")) {
            InetAddress a = InetAddress.getByName(address);
            assertThat(aws.refusal(a)).as(address + " in AWS").isNotNull();
            assertThat(local.refusal(a)).as(address + " locally").isNull();
        }
        for (String address : List.of("8.8.8.8", "1.1.1.1", "100.128.0.1", "172.32.0.1", "2606:4700::1111",
                "::ffff:8.8.8.8", "64:ff9b::808:808")) {
            assertThat(aws.refusal(InetAddress.getByName(address))).as(address).isNull();
        }
    }

    @Test
    void inAws_onlyHttpsToAPublicAddress_isAWebhook() throws Exception {
        assertThat(aws.check("https://8.8.8.8/hooks?x=1").address().getHostAddress()).isEqualTo("8.8.8.8");
        assertThatThrownBy(() -> aws.check("http://8.8.8.8/hooks")).hasMessageContaining("https");
        assertThatThrownBy(() -> aws.check("https://8.8.8.8:8443/hooks")).hasMessageContaining("port 443");
        assertThatThrownBy(() -> aws.check("https://localhost/hooks")).hasMessageContaining("not public");
        assertThatThrownBy(() -> aws.check("https://[::ffff:192.168.1.1]/")).hasMessageContaining("private");
        // a name's addresses are not told back
        assertThatThrownBy(() -> aws.check("https://localhost/hooks")).hasMessageNotContaining("127.0.0.1");
        assertThat(local.check("http://localhost:8080/hooks").port()).isEqualTo(8080);
        assertThatThrownBy(() -> local.check("http://8.8.8.8/hooks")).hasMessageContaining("https");
        assertThatThrownBy(() -> local.check("https://u:p@8.8.8.8/")).hasMessageContaining("user information");
        assertThatThrownBy(() -> local.check("https://8.8.8.8/" + "x".repeat(2048))).hasMessageContaining("2048");
    }
}
