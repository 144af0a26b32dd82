using System.Text.Json.Nodes;

namespace DriftSentinel.Tests.Support;

/// <summary>
/// Turns one class of OCSF's compiled schema (the server's /export/schema, cut by fixtures/schemas/ocsf/extract_class.py)
/// into a JSON Schema (draft 4), as the OCSF server's JSON Schema export does: every object a definition with its
/// attributes as properties and no others, "required" attributes required, enumerated ids as enums, scalar types by
/// their base type, "at_least_one" and "just_one" constraints, and attributes of a profile only when the event
/// declares that profile.
/// </summary>
public static class OcsfJsonSchema
{
    public static string Build(string compiledClassFile, IReadOnlyCollection<string> profiles)
    {
        var compiled = JsonNode.Parse(File.ReadAllText(compiledClassFile))!.AsObject();
        var types = compiled["types"]!.AsObject();
        var definitions = new JsonObject();
        foreach (var (name, obj) in compiled["objects"]!.AsObject())
        {
            definitions[Name(name)] = ObjectSchema(obj!.AsObject(), types, profiles);
        }

        var schema = ObjectSchema(compiled["class"]!.AsObject(), types, profiles);
        schema["$schema"] = "http://json-schema.org/draft-04/schema#";
        schema["title"] = $"OCSF {compiled["version"]} {compiled["class"]!["name"]}";
        schema["definitions"] = definitions;
        return schema.ToJsonString();
    }

    private static string Name(string objectName) => objectName.Replace('/', '_');

    private static JsonObject ObjectSchema(JsonObject definition, JsonObject types, IReadOnlyCollection<string> profiles)
    {
        var properties = new JsonObject();
        var required = new JsonArray();
        foreach (var (name, value) in definition["attributes"]!.AsObject())
        {
            var attribute = value!.AsObject();
            if (attribute["profile"]?.GetValue<string>() is { } profile && !profiles.Contains(profile))
            {
                continue;
            }

            properties[name] = AttributeSchema(attribute, types);
            if (attribute["requirement"]?.GetValue<string>() == "required")
            {
                required.Add(name);
            }
        }

        var schema = new JsonObject { ["type"] = "object", ["properties"] = properties, ["additionalProperties"] = false };
        if (required.Count > 0)
        {
            schema["required"] = required;
        }

        if (definition["constraints"] is JsonObject constraints)
        {
            foreach (var (kind, keyword) in new[] { ("at_least_one", "anyOf"), ("just_one", "oneOf") })
            {
                if (constraints[kind] is JsonArray names)
                {
                    schema[keyword] = new JsonArray([.. names.Select(n => (JsonNode)new JsonObject { ["required"] = new JsonArray(n!.GetValue<string>()) })]);
                }
            }
        }

        return schema;
    }

    private static JsonObject AttributeSchema(JsonObject attribute, JsonObject types)
    {
        var type = attribute["type"]!.GetValue<string>();
        JsonObject item;
        // OCSF's generic "object" (unmapped, data) is an open bag of attributes; every other object is closed.
        if (attribute["object_type"]?.GetValue<string>() is { } objectType && objectType != "object")
        {
            item = new JsonObject { ["$ref"] = $"#/definitions/{Name(objectType)}" };
        }
        else
        {
            item = type switch
            {
                "json_t" => [],
                "object" => new JsonObject { ["type"] = "object" },
                _ => Scalar(BaseType(type, types)),
            };
            if (attribute["enum"] is JsonArray values && item["type"]?.GetValue<string>() == "integer")
            {
                item["enum"] = new JsonArray([.. values.Select(v => (JsonNode)JsonValue.Create(long.Parse(v!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)))]);
            }
        }

        return attribute["is_array"]?.GetValue<bool>() == true ? new JsonObject { ["type"] = "array", ["items"] = item } : item;
    }

    private static string BaseType(string type, JsonObject types)
    {
        for (var t = type; ;)
        {
            var next = types[t]?["type"]?.GetValue<string>();
            if (next is null || next == t)
            {
                return t;
            }

            t = next;
        }
    }

    private static JsonObject Scalar(string baseType) => baseType switch
    {
        "integer_t" or "long_t" or "timestamp_t" => new JsonObject { ["type"] = "integer" },
        "float_t" => new JsonObject { ["type"] = "number" },
        "boolean_t" => new JsonObject { ["type"] = "boolean" },
        _ => new JsonObject { ["type"] = "string" },
    };
}
