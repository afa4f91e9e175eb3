package io.sagaline.asl.query.intrinsics;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Every intrinsic function the ASL specification lists, by name. */
public final class IntrinsicFunctions {

    private static final Map<String, IntrinsicFunction> ALL = List.of(new Format(), new StringToJson(), new JsonToString(),
            new ArrayOf(), new ArrayPartition(), new ArrayContains(), new ArrayRange(), new ArrayGetItem(), new ArrayLength(),
            new ArrayUnique(), new Base64Encode(), new Base64Decode(), new Hash(), new JsonMerge(), new MathRandom(),
            new MathAdd(), new StringSplit(), new Uuid()).stream()
            .collect(Collectors.toUnmodifiableMap(IntrinsicFunction::name, Function.identity()));

    private IntrinsicFunctions() {
    }

    public static Optional<IntrinsicFunction> named(String name) {
        return Optional.ofNullable(ALL.get(name));
    }
}
