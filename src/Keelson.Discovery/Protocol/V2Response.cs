namespace Keelson.Discovery.Protocol;

/// <summary>A successful keys-API answer: <c>{"action":"get|set|create|update|delete","node":{...},"prevNode":{...}}</c>.</summary>
internal sealed record V2Response(string Action, V2Node Node, V2Node? PrevNode);
