package io.sagaline.asl.states;

/**
 * A path field of a JSONPath state as written: {@code value} the path, or null where the field is JSON null
 * (InputPath and OutputPath then give {@code {}}, ResultPath discards the result). An absent field is no Path.
 */
public record Path(String value) {

    static final Path NULL = new Path(null);

    boolean isNull() {
        return value == null;
    }
}
