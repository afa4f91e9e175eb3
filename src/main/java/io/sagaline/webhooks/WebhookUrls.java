package io.sagaline.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where a webhook may be sent: no server-side request forgery into our own network. A URL is
 * {@code https} on port 443 (locally, any port, and {@code http} to a loopback host too), has a host
 * and no user info or fragment. Every address its host resolves to must be public: link-local addresses (the cloud's
 * metadata service at 169.254.169.254), unspecified, multicast, private (RFC 1918, unique local
 * IPv6, carrier-grade NAT) and, in AWS, loopback ones are refused, as are IPv6 forms that embed one
 * (IPv4-mapped, -compatible, -translated, NAT64, 6to4); documentation ranges too. The check is made when the subscription is
 * made and
 * again at each delivery, which then connects to the very address it checked, so a name that
 * resolves elsewhere later (DNS rebinding) gains nothing.
 */
@ApplicationScoped
public class WebhookUrls {

    static final int MAX_LENGTH = 2048;

    /** A URL found unfit: why, in words for the caller. */
    public static final class Refused extends Exception {
        Refused(String why) {
            super(why, null, false, false);
        }
    }

    /** A URL checked, with the address a delivery connects to. */
    public record Target(URI uri, String host, int port, boolean tls, InetAddress address) {
    }

    private final boolean local;

    WebhookUrls(@ConfigProperty(name = "sagaline.webhooks.allow-loopback", defaultValue = "false") boolean local) {
        this.local = local;
    }

    /** Checks {@code url} and resolves its host now (it blocks for DNS); the first of its addresses is the one to use. */
    public Target check(String url) throws Refused {
        if (url == null || url.isBlank()) {
            throw new Refused("must be an absolute https URL");
        }
        if (url.length() > MAX_LENGTH) {
            throw new Refused("must be at most " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new Refused("is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new Refused("must be an absolute URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw new Refused("must not carry user information");
        }
        if (uri.getRawFragment() != null) {
            throw new Refused("must not have a fragment");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        boolean tls = scheme.equals("https");
        if (!tls && !scheme.equals("http")) {
            throw new Refused("must be an https URL, not " + (scheme.isEmpty() ? "schemeless" : scheme));
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new Refused("has a host that does not resolve: " + host);
        }
        boolean literal = isLiteral(host);
        for (InetAddress address : addresses) {
            String refused = refusal(address);
            if (refused != null) {
                // a name's addresses are not told (they would map our network's names): only that one is not public
                throw new Refused(literal ? "is " + refused + ": webhooks go to public addresses only"
                        : "has a host that resolves to an address that is not public: webhooks go to public addresses only");
            }
        }
        boolean loopback = List.of(addresses).stream().allMatch(InetAddress::isLoopbackAddress);
        if (!tls && !(local && loopback)) {
            throw new Refused(local ? "must be an https URL (or http to localhost)" : "must be an https URL");
        }
        int port = uri.getPort() != -1 ? uri.getPort() : tls ? 443 : 80;
        if (!local && port != 443) {
            throw new Refused("must use port 443, the one deliveries leave our network by");
        }
        return new Target(uri, host, port, tls, addresses[0]);
    }

    private static boolean isLiteral(String host) {
        return host.contains(":") || host.matches("[0-9.]+");
    }

    /** Why {@code address} may not be sent to, or null if it may. */
    String refusal(InetAddress address) {
        if (address.isLoopbackAddress()) {
            return local ? null : "a loopback address";
        }
        if (address.isLinkLocalAddress()) {
            return "a link-local address (where the cloud's metadata service answers)";
        }
        if (address.isAnyLocalAddress()) {
            return "the unspecified address";
        }
        if (address.isMulticastAddress()) {
            return "a multicast address";
        }
        if (address.isSiteLocalAddress()) {
            return "a private address";
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            if (first == 0) {
                return "an address of this network (0.0.0.0/8)";
            }
            if (first == 100 && second >= 64 && second < 128) {
                return "a carrier-grade NAT address (100.64.0.0/10)";
            }
            if (first == 192 && second == 0 && (b[2] & 0xff) == 0) {
                return "an IETF protocol address (192.0.0.0/24)";
            }
            if (first == 198 && (second == 18 || second == 19)) {
                return "a benchmarking address (198.18.0.0/15)";
            }
            if (first >= 240) {
                return "a reserved address (240.0.0.0/4)";
            }
            if ((first == 192 && second == 0 && (b[2] & 0xff) == 2) || (first == 198 && second == 51 && (b[2] & 0xff) == 100)
                    || (first == 203 && second == 0 && (b[2] & 0xff) == 113)) {
                return "a documentation address (RFC 5737)";
            }
            return null;
        }
        if (address instanceof Inet6Address) {
            if ((b[0] & 0xfe) == 0xfc) {
                return "a unique local address (fc00::/7)";
            }
            if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
                return "a site-local address (fec0::/10)";
            }
            if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == (byte) 0xb8) {
                return "a documentation address (2001:db8::/32)";
            }
            if (b[0] == 0x00 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b && !(b[4] == 0 && b[5] == 0
                    && b[6] == 0 && b[7] == 0 && b[8] == 0 && b[9] == 0 && b[10] == 0 && b[11] == 0)) {
                return "a local-use NAT64 address (64:ff9b:1::/48)";
            }
            InetAddress embedded = embeddedIpv4(b);
            if (embedded != null) {
                String inner = refusal(embedded);
                return inner == null ? null : "an IPv6 form of " + embedded.getHostAddress() + ", " + inner;
            }
        }
        return null;
    }

    /** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64 64:ff9b::/96, 6to4 2002::/16), if any. */
    private static InetAddress embeddedIpv4(byte[] b) {
        byte[] v4 = null;
        boolean zeroPrefix = true;
        for (int i = 0; i < 10; i++) {
            zeroPrefix &= b[i] == 0;
        }
        boolean translated = b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0 && b[4] == 0 && b[5] == 0 && b[6] == 0
                && b[7] == 0 && b[8] == (byte) 0xff && b[9] == (byte) 0xff && b[10] == 0 && b[11] == 0;
        if (translated || (zeroPrefix && ((b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0)))) {
            v4 = new byte[] { b[12], b[13], b[14], b[15] }; // ::ffff:a.b.c.d, ::a.b.c.d and ::ffff:0:a.b.c.d
        } else if (b[0] == 0x00 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b) {
            v4 = new byte[] { b[12], b[13], b[14], b[15] }; // 64:ff9b::a.b.c.d
        } else if (b[0] == 0x20 && b[1] == 0x02) {
            v4 = new byte[] { b[2], b[3], b[4], b[5] }; // 2002:aabb:ccdd::
        }
        if (v4 == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(v4);
        } catch (UnknownHostException e) {
            return null;
        }
    }
}
