package io.sagaline.platform.aws;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.arc.Unremovable;
import io.quarkus.redis.client.RedisHostsProvider;
import io.smallrye.common.annotation.Identifier;

/**
 * The cache in AWS ({@code quarkus.redis.hosts-provider-name=sagaline-cache}): its address
 * ({@code SAGALINE_CACHE_ADDRESS}, {@code rediss://host:port}) and, for a function whose catalog
 * entry declares {@code redis}, the cache user's name and password from its secret
 * ({@code SAGALINE_CACHE_SECRET_ARN}): no password in the function's configuration. Quarkus asks
 * once, when it creates the client as the function starts.
 */
@ApplicationScoped
@Identifier("sagaline-cache")
@Unremovable
public class CacheHosts implements RedisHostsProvider {

    @ConfigProperty(name = "sagaline.cache.address")
    Optional<String> address;

    @ConfigProperty(name = "sagaline.cache.secret-arn")
    Optional<String> secretArn;

    @Inject
    Secrets secrets;

    @Override
    public Set<URI> getHosts() {
        URI cache = URI.create(address.orElseThrow(() -> new IllegalStateException(
                "sagaline.cache.address (SAGALINE_CACHE_ADDRESS) is not set")));
        if (secretArn.isEmpty()) {
            return Set.of(cache);
        }
        Secrets.Credentials user = secrets.readCredentials(secretArn.get());
        return Set.of(URI.create(cache.getScheme() + "://" + encode(user.username()) + ":" + encode(user.password()) + "@"
                + cache.getHost() + ":" + cache.getPort()));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
