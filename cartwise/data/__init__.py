"""The data layer: input layouts -> validated canonical tables (see :mod:`cartwise.data.schema`)."""
