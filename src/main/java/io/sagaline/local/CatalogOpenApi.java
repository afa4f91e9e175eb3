package io.sagaline.local;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.arc.Arc;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import io.sagaline.platform.Catalog;
import io.sagaline.platform.http.HttpContract;
import io.sagaline.platform.http.Problem;

/**
 * The OpenAPI document of the HTTP API, generated when the runtime starts: a path per route of
 * the catalog, an operation per HTTP function, its body and answer from the types its
 * {@link HttpContract} names (their fields, and the constraints the functions validate: required,
 * patterns, lengths, bounds), and problem+json for every refusal. Nothing of it is written by hand.
 */
@OpenApiFilter(OpenApiFilter.RunStage.RUN)
public class CatalogOpenApi implements OASFilter {

    private static final Pattern PATH_PARAMETER = Pattern.compile("\\{([^}+]+)\\+?}");

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        Catalog catalog = Arc.container().instance(Catalog.class).get();
        openAPI.info(OASFactory.createInfo().title("Sagaline HTTP API").version("1")
                .description("Orders, customers and products; every operation a function (docs/api-contract.md)."));
        openAPI.components(OASFactory.createComponents());
        openAPI.getComponents().addSecurityScheme("apiKey", OASFactory.createSecurityScheme()
                .type(org.eclipse.microprofile.openapi.models.security.SecurityScheme.Type.APIKEY).name("x-api-key")
                .in(org.eclipse.microprofile.openapi.models.security.SecurityScheme.In.HEADER)
                .description("the key names the tenant; locally local-demo-key is tenant demo"));
        openAPI.addSecurityRequirement(OASFactory.createSecurityRequirement().addScheme("apiKey"));
        openAPI.getComponents().addSchema("Problem", schema(Problem.class, openAPI));
        openAPI.paths(OASFactory.createPaths());
        for (Catalog.Function function : catalog.functions()) {
            if (!function.trigger().isHttp()) {
                continue;
            }
            var bean = Arc.container().instance(function.name());
            HttpContract contract = bean.isAvailable() ? bean.getBean().getBeanClass().getAnnotation(HttpContract.class)
                    : null;
            if (contract == null) {
                throw new IllegalStateException("HTTP function " + function.name() + " has no @HttpContract");
            }
            String path = function.trigger().path();
            PathItem item = openAPI.getPaths().getPathItem(path);
            if (item == null) {
                item = OASFactory.createPathItem();
                openAPI.getPaths().addPathItem(path, item);
            }
            item.setOperation(PathItem.HttpMethod.valueOf(function.trigger().method().toUpperCase(Locale.ROOT)),
                    operation(function, contract, openAPI));
        }
    }

    private Operation operation(Catalog.Function function, HttpContract contract, OpenAPI openAPI) {
        Operation operation = OASFactory.createOperation().operationId(function.name()).addTag(function.service())
                .summary(function.name() + " (" + function.service() + ")");
        Matcher m = PATH_PARAMETER.matcher(function.trigger().path());
        while (m.find()) {
            operation.addParameter(OASFactory.createParameter().name(m.group(1)).in(Parameter.In.PATH).required(true)
                    .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING)));
        }
        for (String query : contract.query()) {
            operation.addParameter(parameter(query, Parameter.In.QUERY));
        }
        for (String header : contract.headers()) {
            operation.addParameter(parameter(header, Parameter.In.HEADER));
        }
        if (contract.request() != Void.class) {
            operation.requestBody(OASFactory.createRequestBody().required(true).content(OASFactory.createContent()
                    .addMediaType("application/json", OASFactory.createMediaType().schema(ref(contract.request(), openAPI)))));
        }
        APIResponses responses = OASFactory.createAPIResponses();
        responses.addAPIResponse(Integer.toString(contract.status()), contract.response() == Void.class
                ? OASFactory.createAPIResponse().description("success, no body")
                : OASFactory.createAPIResponse().description("success")
                        .content(OASFactory.createContent().addMediaType("application/json",
                                OASFactory.createMediaType().schema(ref(contract.response(), openAPI)))));
        Schema problem = OASFactory.createSchema().ref("#/components/schemas/Problem");
        responses.addAPIResponse("4XX", OASFactory.createAPIResponse()
                .description("refused: bad input (400, naming the field), no, an unknown, a revoked or an expired key (401), "
                        + "a key without the scope " + function.trigger().scope() + " (403), another tenant's "
                        + "or an unknown resource (404), a conflict (409), an Idempotency-Key reused (422)")
                .content(OASFactory.createContent().addMediaType("application/problem+json",
                        OASFactory.createMediaType().schema(problem))));
        return operation.responses(responses);
    }

    private static Parameter parameter(String declaration, Parameter.In in) {
        int colon = declaration.indexOf(':');
        return OASFactory.createParameter().name(declaration.substring(0, colon).trim()).in(in).required(false)
                .description(declaration.substring(colon + 1).trim())
                .schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING));
    }

    /** A reference to {@code type}'s schema, which is added to the components the first time. */
    private Schema ref(Class<?> type, OpenAPI openAPI) {
        String name = type.getSimpleName();
        if (openAPI.getComponents().getSchemas() == null || !openAPI.getComponents().getSchemas().containsKey(name)) {
            openAPI.getComponents().addSchema(name, OASFactory.createSchema()); // placeholder against cycles
            openAPI.getComponents().addSchema(name, schema(type, openAPI));
        }
        return OASFactory.createSchema().ref("#/components/schemas/" + name);
    }

    private Schema schema(Class<?> type, OpenAPI openAPI) {
        Schema schema = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT);
        for (RecordComponent component : type.getRecordComponents()) {
            var field = component.getAccessor();
            Schema property = schema(component.getGenericType(), openAPI);
            if (field.isAnnotationPresent(NotNull.class) || field.isAnnotationPresent(NotBlank.class)
                    || field.isAnnotationPresent(NotEmpty.class)) {
                schema.addRequired(component.getName());
            }
            constrain(component, property);
            if (component.isAnnotationPresent(JsonInclude.class)) {
                property.description("present only when it has a value");
            }
            schema.addProperty(component.getName(), property);
        }
        return schema;
    }

    private Schema schema(Type type, OpenAPI openAPI) {
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw
                && Collection.class.isAssignableFrom(raw)) {
            return OASFactory.createSchema().addType(Schema.SchemaType.ARRAY)
                    .items(schema(p.getActualTypeArguments()[0], openAPI));
        }
        Class<?> c = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        if (c == String.class) {
            return OASFactory.createSchema().addType(Schema.SchemaType.STRING);
        }
        if (c == UUID.class) {
            return OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("uuid");
        }
        if (c == Instant.class || c == OffsetDateTime.class) {
            return OASFactory.createSchema().addType(Schema.SchemaType.STRING).format("date-time");
        }
        if (c == long.class || c == Long.class || c == int.class || c == Integer.class) {
            return OASFactory.createSchema().addType(Schema.SchemaType.INTEGER)
                    .format(c == int.class || c == Integer.class ? "int32" : "int64");
        }
        if (c == boolean.class || c == Boolean.class) {
            return OASFactory.createSchema().addType(Schema.SchemaType.BOOLEAN);
        }
        if (c.isEnum()) {
            Schema e = OASFactory.createSchema().addType(Schema.SchemaType.STRING);
            for (Object constant : c.getEnumConstants()) {
                e.addEnumeration(((Enum<?>) constant).name());
            }
            return e;
        }
        if (c == JsonNode.class || c == Map.class || c == Object.class) {
            return OASFactory.createSchema().addType(Schema.SchemaType.OBJECT);
        }
        if (c.isRecord()) {
            return ref(c, openAPI);
        }
        throw new IllegalStateException("no schema for " + type);
    }

    /** The Jakarta constraints the functions validate, as JSON Schema keywords. */
    private static void constrain(RecordComponent component, Schema property) {
        var accessor = component.getAccessor();
        jakarta.validation.constraints.Pattern pattern = accessor.getAnnotation(jakarta.validation.constraints.Pattern.class);
        if (pattern != null) {
            property.pattern(pattern.regexp());
        }
        Size size = accessor.getAnnotation(Size.class);
        if (size != null) {
            if (List.class.isAssignableFrom(component.getType())) {
                property.minItems(size.min()).maxItems(size.max());
            } else {
                property.minLength(size.min()).maxLength(size.max());
            }
        }
        if (accessor.isAnnotationPresent(Email.class)) {
            property.format("email");
        }
        if (accessor.isAnnotationPresent(Positive.class)) {
            property.minimum(BigDecimal.ONE);
        }
        if (accessor.isAnnotationPresent(PositiveOrZero.class)) {
            property.minimum(BigDecimal.ZERO);
        }
        Max max = accessor.getAnnotation(Max.class);
        if (max != null) {
            property.maximum(BigDecimal.valueOf(max.value()));
        }
        if (accessor.isAnnotationPresent(NotEmpty.class) && List.class.isAssignableFrom(component.getType())) {
            property.minItems(Math.max(1, property.getMinItems() == null ? 1 : property.getMinItems()));
        }
    }
}
