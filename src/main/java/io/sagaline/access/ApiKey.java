package io.sagaline.access;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** An API key as it is kept: its hash, never the key (V12__access_api_keys.sql). */
@Entity
@Table(schema = "access", name = "api_keys")
public class ApiKey extends PanacheEntityBase {

    @Id
    public UUID id;
    public String tenant;
    public String name;
    /** Space-separated. */
    public String scopes;
    public byte[] keyHash;
    public String keyPrefix;
    public OffsetDateTime createdAt;
    public OffsetDateTime expiresAt;
    public OffsetDateTime revokedAt;
    public UUID replacedBy;
    /** The key's own rate limit (both, or neither: the default). */
    public java.math.BigDecimal ratePerSecond;
    public Integer rateBurst;
}
