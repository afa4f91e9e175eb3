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
        router.get(PATH + "/*").order(-200)
                .handler(StaticHandler.create("console").setCachingEnabled(false).setFilesReadOnly(false)
                        .setDefaultContentEncoding("UTF-8").setIndexPage("index.html"));
    }
}
