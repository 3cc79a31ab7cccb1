"""The stages of an application, each a class driven by `ApplicationWorkflow.run` through one shared context."""
