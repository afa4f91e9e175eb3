package io.sagaline.asl.states;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.sagaline.asl.StateMachine;
import io.sagaline.asl.query.JsonataQueries;
import io.sagaline.asl.query.PayloadTemplate;

/**
 * An inline Map: runs its ItemProcessor once per item of an array (ItemsPath, or JSONata's Items), each item
 * shaped by ItemSelector, at most MaxConcurrency at once, tolerating the failures it is told to. A DISTRIBUTED
 * Map, which needs S3 and child executions, is refused.
 */
public final class MapState extends FanOut {

    private static final Set<String> JSONPATH = Set.of("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters",
            "ResultSelector", "ItemsPath", "ItemSelector", "ItemProcessor", "Iterator", "MaxConcurrency",
            "MaxConcurrencyPath", "ToleratedFailureCount", "ToleratedFailureCountPath", "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath", "ItemReader", "ItemBatcher", "ResultWriter", "Label", "Retry", "Catch",
            "Assign");
    private static final Set<String> JSONATA = Set.of("Next", "End", "ItemProcessor", "Iterator", "Items", "ItemSelector",
            "MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage", "ItemReader", "ItemBatcher",
            "ResultWriter", "Label", "Output", "Assign", "Retry", "Catch");

    private final StateMachine processor;
    private final Path itemsPath;
    private final JsonNode items;
    /** ItemSelector, or the older Parameters. */
    private final JsonNode selector;
    private final JsonNode maxConcurrency;
    private final Path maxConcurrencyPath;
    private final JsonNode toleratedCount;
    private final Path toleratedCountPath;
    private final JsonNode toleratedPercentage;
    private final Path toleratedPercentagePath;

    MapState(Definition d) {
        super(d.only("Map", JSONPATH, JSONATA), Query.parse(d, true, true, true));
        if (d.has("ItemProcessor") == d.has("Iterator")) {
            throw d.refused("ItemProcessor", "a Map needs exactly one of ItemProcessor and Iterator");
        }
        if (d.has("ItemSelector") && d.has("Parameters")) {
            throw d.refused("ItemSelector", "use either ItemSelector or Parameters");
        }
        JsonNode processorJson = d.has("ItemProcessor") ? d.get("ItemProcessor") : d.get("Iterator");
        String mode = processorJson.path("ProcessorConfig").path("Mode").asText("INLINE");
        if (!"INLINE".equals(mode)) {
            throw d.refused("ItemProcessor.ProcessorConfig.Mode",
                    "'" + mode + "': only INLINE Map is supported locally; DISTRIBUTED needs S3 and child executions");
        }
        for (String distributed : new String[] { "ItemReader", "ItemBatcher", "ResultWriter", "Label" }) {
            if (d.has(distributed)) {
                throw d.refused(distributed, "only a DISTRIBUTED Map has " + distributed);
            }
        }
        this.itemsPath = d.path("ItemsPath");
        this.maxConcurrencyPath = d.path("MaxConcurrencyPath");
        this.toleratedCountPath = d.path("ToleratedFailureCountPath");
        this.toleratedPercentagePath = d.path("ToleratedFailurePercentagePath");
        this.selector = d.jsonata ? d.expression("ItemSelector")
                : d.has("ItemSelector") ? d.template("ItemSelector")
                        : d.get("Parameters");
        if (d.has("Items") && !d.get("Items").isArray() && !d.isExpression("Items")) {
            throw d.refused("Items", "must be an array or a JSONata expression");
        }
        this.items = d.expression("Items");
        for (String field : new String[] { "MaxConcurrency", "ToleratedFailureCount" }) {
            if (d.has(field) && !d.isExpression(field) && (!d.get(field).isIntegralNumber() || d.get(field).asLong() < 0)) {
                throw d.refused(field, "must be a non-negative integer");
            }
            d.eitherOr(field);
        }
        JsonNode percentage = d.get("ToleratedFailurePercentage");
        if (percentage != null && !d.isExpression("ToleratedFailurePercentage")
                && (!percentage.isNumber() || percentage.asDouble() < 0 || percentage.asDouble() > 100)) {
            throw d.refused("ToleratedFailurePercentage", "must be a number from 0 to 100");
        }
        d.eitherOr("ToleratedFailurePercentage");
        this.maxConcurrency = d.expression("MaxConcurrency");
        this.toleratedCount = d.expression("ToleratedFailureCount");
        this.toleratedPercentage = d.expression("ToleratedFailurePercentage");
        this.processor = d.nested(d.has("ItemProcessor") ? "ItemProcessor" : "Iterator", processorJson);
    }

    @Override
    public String type() {
        return "Map";
    }

    @Override
    public boolean map() {
        return true;
    }

    @Override
    Plan plan(Step s) {
        JsonNode effective = query.effectiveInput(s);
        JsonNode array = itemsPath != null || items != null ? query.setting(s, items, itemsPath, effective, "Items")
                : effective;
        if (!array.isArray()) {
            throw query.wrong(items != null && JsonataQueries.isExpression(items)
                    ? "The JSONata expression '" + JsonataQueries.body(items.asText())
                            + "' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '"
                            + array.getNodeType().name().toLowerCase(java.util.Locale.ROOT) + "' for value: " + array
                    : "the Map's items are " + array + ", not an array");
        }
        List<JsonNode> inputs = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            inputs.add(selector == null ? array.get(i) : select(s, effective, i, array.get(i)));
        }
        Integer max = count(s, "MaxConcurrency", maxConcurrency, maxConcurrencyPath, effective);
        Integer count = count(s, "ToleratedFailureCount", toleratedCount, toleratedCountPath, effective);
        JsonNode percentage = query.setting(s, toleratedPercentage, toleratedPercentagePath, effective,
                "ToleratedFailurePercentage");
        if (percentage != null && (!percentage.isNumber() || percentage.asDouble() < 0 || percentage.asDouble() > 100)) {
            throw query.wrong("ToleratedFailurePercentage is " + percentage + ", not a number from 0 to 100");
        }
        return new Plan(List.of(processor), inputs, max,
                new Tolerance(count, percentage == null ? null : percentage.asDouble()));
    }

    /** One item as ItemSelector makes it, with the item in the context object ($$.Map.Item, $states.context.Map.Item). */
    private JsonNode select(Step s, JsonNode effective, int index, JsonNode item) {
        ObjectNode context = s.context().deepCopy();
        context.putObject("Map").putObject("Item").put("Index", index).set("Value", item);
        return jsonata() ? JsonataQueries.evaluate(selector, s.bindings().withContext(context), "ItemSelector")
                : PayloadTemplate.apply(selector, s.paths().withInput(effective).withContext(context));
    }

    /** MaxConcurrency or ToleratedFailureCount, in any of its forms: a non-negative integer, or null when absent. */
    private Integer count(Step s, String field, JsonNode literal, Path path, JsonNode effective) {
        JsonNode value = query.setting(s, literal, path, effective, field);
        if (value == null) {
            return null;
        }
        if (!value.isIntegralNumber() || value.asLong() < 0 || !value.canConvertToInt()) {
            throw query.wrong(field + " is " + value + ", not a non-negative integer");
        }
        return value.asInt();
    }

    @Override
    public List<StateMachine> nested() {
        return List.of(processor);
    }
}
