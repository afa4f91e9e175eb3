package io.sagaline.campaigns;

import java.time.Clock;
import java.time.Duration;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.fasterxml.jackson.databind.ObjectMapper;

/** This process's campaigns cache (one near tier per function instance), from its settings. */
public class CampaignCacheProducer {

    @Produces
    @Singleton
    CampaignCache cache(CacheStore redis, ObjectMapper json, Clock clock, io.sagaline.platform.observability.Metrics metrics,
            @ConfigProperty(name = "sagaline.campaigns.cache.ttl", defaultValue = "PT60S") Duration ttl,
            @ConfigProperty(name = "sagaline.campaigns.cache.revalidate", defaultValue = "PT1S") Duration revalidate,
            @ConfigProperty(name = "sagaline.campaigns.cache.near-entries", defaultValue = "10000") long nearEntries,
            @ConfigProperty(name = "sagaline.campaigns.cache.lease", defaultValue = "PT2S") Duration lease,
            @ConfigProperty(name = "sagaline.campaigns.cache.wait-for-load", defaultValue = "PT1S") Duration waitForLoad,
            @ConfigProperty(name = "sagaline.campaigns.cache.mode", defaultValue = "BOTH") CampaignCache.Mode mode) {
        CampaignCache cache = new CampaignCache(redis, json, clock,
                new CampaignCache.Settings(ttl, revalidate, nearEntries, lease, waitForLoad));
        cache.mode(mode);
        metrics.cache("campaigns", "near", "hit", cache, CampaignCache::nearHits);
        metrics.cache("campaigns", "redis", "hit", cache, CampaignCache::redisHits);
        metrics.cache("campaigns", "database", "miss", cache, CampaignCache::loads);
        metrics.cache("campaigns", "database", "bypassed", cache, CampaignCache::bypassed);
        return cache;
    }
}
