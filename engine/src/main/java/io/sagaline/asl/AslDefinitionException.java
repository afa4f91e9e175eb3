package io.sagaline.asl;

/** A state machine definition that AWS would reject, with the state and field at fault. */
public class AslDefinitionException extends RuntimeException {

    public AslDefinitionException(String state, String field, String problem) {
        super((state == null ? "" : "state '" + state + "': ") + (field == null ? "" : field + ": ") + problem);
    }
}
