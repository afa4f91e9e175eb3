package io.sagaline.platform;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

import com.amazonaws.services.lambda.runtime.Context;

/**
 * A function whose answer may wait for something without holding a thread meanwhile (a waiting
 * read). In AWS, Lambda's runtime calls {@code handleRequest}, which is {@link #await} of this: a
 * sandbox serves one invocation at a time, so its one thread waiting is the invocation waiting. The
 * local runtime, which serves every function of the catalog from one JVM, calls {@code handleAsync}
 * and gives the sandbox's thread back while the answer is pending.
 */
public interface AsyncHandler<I, O> {

    CompletionStage<O> handleAsync(I input, Context context);

    /** What {@code handleRequest} answers: the stage's result, or what it failed with. */
    static <O> O await(CompletionStage<O> answer) {
        try {
            return answer.toCompletableFuture().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error r) {
                throw r;
            }
            throw e;
        }
    }

    /** The stage of an answer already known. */
    static <O> CompletionStage<O> now(O answer) {
        return CompletableFuture.completedFuture(answer);
    }
}
