package io.sagaline.platform;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The catalog, read once per application: the outbox's queues, prepare-database and the local runtime share it. */
public class CatalogProducer {

    @Produces
    @Singleton
    Catalog catalog(ObjectMapper json) {
        return Catalog.load(json);
    }
}
