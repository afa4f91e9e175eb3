package io.sagaline.local;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.arc.profile.IfBuildProfile;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The console ({@code /console}): a web page of the local runtime's (README, "The console") that
 * reads the Step Functions, Lambda, SQS, X-Ray and orders APIs as any client does, from the files of
 * {@code src/main/resources/console}. A Lambda package serves no page: the files are only read here.
 */
@ApplicationScoped
@IfBuildProfile(anyOf = { "dev", "test" })
public class LocalConsole {

    public static final String PATH = "/console";

    void install(@Observes Router router) {
        router.getWithRegex("^" + PATH + "$").order(-200).handler(ctx -> ctx.redirect(PATH + "/"));
        // its page acts with this runtime's authority (LocalAwsAuth lets its origin in): no other page may frame
        // it, and it runs no script but its own files (it may call another endpoint: Settings)
        router.get(PATH + "/*").order(-201).handler(ctx -> {
            ctx.response().putHeader("x-frame-options", "DENY").putHeader("content-security-policy",
                    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
                            + " connect-src *; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
                    .putHeader("x-content-type-options", "nosniff");
            ctx.next();
        });
        router.get(PATH + "/*").order(-200)
                .handler(StaticHandler.create("console").setCachingEnabled(false).setFilesReadOnly(false)
                        .setDefaultContentEncoding("UTF-8").setIndexPage("index.html"));
    }
}
