"""CloudFormation's intrinsic functions and conditions, resolved as a deployment of the
template would resolve them, for the values the deploy check needs (function environments,
resource properties): Ref, Fn::GetAtt, Fn::Sub, Fn::If, Fn::Equals, Fn::Not, Fn::And,
Fn::Or, Fn::Join, Fn::Select, Fn::Split and Condition.

Resources resolve to what the check created for them (`physical`: logical id -> {"Ref": …,
attribute: …}); a reference to anything else is an error that names it."""

from __future__ import annotations

import re

# Fn::If's branch `!Ref AWS::NoValue`: the property or list item is left out.
NO_VALUE = object()


class Unresolved(Exception):
    """A reference to a parameter, resource or attribute the check has no value for."""


class Resolver:
    def __init__(self, template: dict, parameters: dict[str, str], pseudo: dict[str, str], physical: dict[str, dict]):
        self.template = template
        self.parameters = parameters
        self.pseudo = pseudo
        self.physical = physical

    def with_parameters(self, **more: str) -> "Resolver":
        """The same stack deployed with some parameters set otherwise."""
        return Resolver(self.template, {**self.parameters, **more}, self.pseudo, self.physical)

    def with_physical(self, **more: dict) -> "Resolver":
        """The same stack with some resources standing for other physical ones."""
        return Resolver(self.template, self.parameters, self.pseudo, {**self.physical, **more})

    def __call__(self, value):
        if isinstance(value, list):
            return [v for v in (self(item) for item in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (name, arg), = value.items()
            if name == "Ref":
                return self.ref(arg)
            if name == "Condition":
                return self.condition(arg)
            if name.startswith("Fn::"):
                return self.function(name, arg)
        resolved = {k: self(v) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def ref(self, name: str):
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical:
            return self.physical[name]["Ref"]
        raise Unresolved(f"!Ref {name}: neither a parameter nor a resource the check created")

    def get_att(self, logical: str, attribute: str):
        found = self.physical.get(logical, {}).get(attribute)
        if found is None:
            raise Unresolved(f"!GetAtt {logical}.{attribute}: not a resource attribute the check created")
        return found

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise Unresolved(f"condition {name} is not in the template")
        return bool(self(conditions[name]))

    def function(self, name: str, arg):
        if name == "Fn::GetAtt":
            logical, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
            return self.get_att(logical, self(attribute))
        if name == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            return self.sub(text, {k: self(v) for k, v in variables.items()})
        if name == "Fn::If":
            condition, then, otherwise = arg
            return self(then) if self.condition(condition) else self(otherwise)
        if name == "Fn::Equals":
            left, right = (self(v) for v in arg)
            return str(left) == str(right)
        if name == "Fn::Not":
            return not self(arg[0])
        if name == "Fn::And":
            return all(self(v) for v in arg)
        if name == "Fn::Or":
            return any(self(v) for v in arg)
        if name == "Fn::Join":
            delimiter, items = arg
            return str(delimiter).join(str(v) for v in self(items))
        if name == "Fn::Select":
            index, items = arg
            return self(items)[int(self(index))]
        if name == "Fn::Split":
            delimiter, text = arg
            return str(self(text)).split(delimiter)
        raise Unresolved(f"{name} is not an intrinsic function the check resolves")

    def sub(self, text: str, variables: dict) -> str:
        def one(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                logical, attribute = name.split(".", 1)
                return str(self.get_att(logical, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}]+)\}", one, text)
