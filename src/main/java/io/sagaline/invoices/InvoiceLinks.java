package io.sagaline.invoices;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.nimbusds.jwt.JWTClaimsSet;

import io.sagaline.platform.Ids;
import io.sagaline.platform.Reactive;
import io.sagaline.platform.Sql;
import io.sagaline.platform.audit.AuditLog;
import io.sagaline.platform.crypto.SigningKeys;
import io.sagaline.platform.http.ApiException;
import io.smallrye.mutiny.Uni;

/**
 * Valet links to an order's invoice: made by a key that may read it, they let whoever holds the
 * link read that invoice and nothing else, without a key, until the link expires or is revoked.
 * The link is a JWT signed by the platform's key (the tenant, the order and the link's id, its end);
 * its row here makes it revocable. Making, revoking and every read through a link are audited.
 */
@ApplicationScoped
public class InvoiceLinks {

    static final String TYPE = "sagaline-valet+jwt";
    static final String AUDIENCE = "sagaline-valet";
    static final Duration DEFAULT_TTL = Duration.ofDays(7);
    static final Duration MAX_TTL = Duration.ofDays(30);
    static final String PATH = "/valet/invoices/";

    /** A link just made: {@code url} is the path to hand out (on the API's host). */
    public record Link(String linkId, String orderId, String url, Instant expiresAt) {
    }

    private final SigningKeys signing;
    private final InvoiceService invoices;
    private final AuditLog audit;
    private final Clock clock;

    InvoiceLinks(@jakarta.inject.Named(io.sagaline.platform.crypto.SigningKeysProducer.VALET_LINKS) SigningKeys signing,
            InvoiceService invoices, AuditLog audit, Clock clock) {
        this.signing = signing;
        this.invoices = invoices;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * A link made by key {@code who} (a token may not make one: a short-lived credential would hand
     * out a long-lived one), ending at the latest with the key's own end.
     */
    public Link create(io.sagaline.platform.http.Principal who, AuditLog.Actor by, String orderId, Optional<Long> ttlSeconds) {
        if (who.tokenId() != null) {
            throw new ApiException(403, "forbidden", "Forbidden", "a token cannot make a valet link; present the key");
        }
        long ttl = ttlSeconds.orElse(DEFAULT_TTL.toSeconds());
        if (ttl < 60 || ttl > MAX_TTL.toSeconds()) {
            throw ApiException.badRequest("expiresInSeconds", "must be from 60 to " + MAX_TTL.toSeconds());
        }
        UUID order = Ids.uuid(orderId).orElseThrow(() -> noInvoice(orderId));
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instant expires = who.capped(now.plusSeconds(ttl)).truncatedTo(ChronoUnit.SECONDS);
        UUID id = UUID.randomUUID();
        boolean made = Reactive.inTransaction(() -> Sql.execute(
                """
                        insert into invoices.valet_links (id, tenant, order_id, created_by, created_at, expires_at)
                        select ?1, ?2, ?3, ?4, ?5, ?6 where exists (select 1 from invoices.invoices where tenant = ?2 and order_id = ?3)""",
                id, by.tenant(), order, by.keyId(), now.atOffset(ZoneOffset.UTC), expires.atOffset(ZoneOffset.UTC))
                .call(n -> n == 1 ? audit.record(by, "create-invoice-link", resource(orderId), AuditLog.Outcome.SUCCEEDED)
                        : Uni.createFrom().voidItem())
                .map(n -> n == 1));
        if (!made) {
            throw noInvoice(orderId);
        }
        String token = signing.sign(TYPE, new JWTClaimsSet.Builder().issuer(SigningKeys.ISSUER).audience(AUDIENCE)
                .subject(resource(orderId)).claim("tnt", by.tenant()).jwtID(id.toString()).issueTime(Date.from(now))
                .expirationTime(Date.from(expires)).build());
        return new Link(id.toString(), orderId, PATH + token, expires);
    }

    /** Revokes link {@code linkId} of {@code orderId}; false if the tenant has no such link. Revoking twice changes nothing. */
    public boolean revoke(AuditLog.Actor by, String orderId, String linkId) {
        Optional<UUID> order = Ids.uuid(orderId);
        Optional<UUID> id = Ids.uuid(linkId);
        if (order.isEmpty() || id.isEmpty()) {
            return false;
        }
        return Reactive.inTransaction(() -> Sql.execute("""
                update invoices.valet_links set revoked_at = coalesce(revoked_at, ?4)
                where tenant = ?1 and order_id = ?2 and id = ?3""", by.tenant(), order.get(), id.get(),
                clock.instant().atOffset(ZoneOffset.UTC))
                .call(n -> n == 1 ? audit.record(by, "revoke-invoice-link", resource(orderId) + "/links/" + linkId,
                        AuditLog.Outcome.SUCCEEDED) : Uni.createFrom().voidItem())
                .map(n -> n == 1));
    }

    /**
     * The invoice a link opens: 404 if it is not a link of ours (altered, another signer, another
     * kind of token), 410 if it was one and has expired or been revoked.
     */
    public InvoiceService.Invoice open(String token, String requestId) {
        JWTClaimsSet claims = signing.signed(token, TYPE)
                .filter(c -> c.getAudience() != null && c.getAudience().contains(AUDIENCE))
                .orElseThrow(() -> new ApiException(404, "not-found", "Not found", "this is not a link to an invoice"));
        String tenant = claims.getClaim("tnt") instanceof String t ? t : null;
        String subject = claims.getSubject();
        if (tenant == null || subject == null || !subject.startsWith("orders/") || !subject.endsWith("/invoice")) {
            throw new ApiException(404, "not-found", "Not found", "this is not a link to an invoice");
        }
        String orderId = subject.substring("orders/".length(), subject.length() - "/invoice".length());
        String linkId = claims.getJWTID();
        AuditLog.Actor link = new AuditLog.Actor(tenant, "valet-link", linkId, requestId);
        Instant now = clock.instant();
        List<Object[]> row = Reactive.inTransaction(() -> Sql.rows(
                "select revoked_at, expires_at from invoices.valet_links where tenant = ?1 and id = ?2", tenant,
                UUID.fromString(linkId)));
        boolean gone = !claims.getExpirationTime().toInstant().isAfter(now) || row.isEmpty() || row.get(0)[0] != null
                || !Sql.instant(row.get(0)[1]).isAfter(now);
        if (gone) {
            audit.recordAlone(link, "get-invoice-by-link", resource(orderId), AuditLog.Outcome.DENIED);
            throw new ApiException(410, "gone", "Gone", "this link has expired or been revoked; ask for a new one");
        }
        InvoiceService.Invoice invoice = Reactive.inTransaction(() -> invoices.find(tenant, UUID.fromString(orderId))
                .call(found -> audit.record(link, "get-invoice-by-link", resource(orderId),
                        found == null ? AuditLog.Outcome.NOT_FOUND : AuditLog.Outcome.SUCCEEDED)));
        if (invoice == null) {
            throw new ApiException(404, "not-found", "Not found", "the invoice of this link no longer exists");
        }
        return invoice;
    }

    static String resource(String orderId) {
        return "orders/" + orderId + "/invoice";
    }

    private static ApiException noInvoice(String orderId) {
        return new ApiException(404, "not-found", "Not found",
                "order '" + orderId + "' has no invoice (yet): invoices are issued shortly after approval");
    }
}
