"""Native vendor exports of a simulated scenario: the same refunds as each stack would export.

``write_native(stack, tables, truth, out_dir)`` writes the storefront, processor and ERP files
of a stack (see ``stacks.STACKS``) from the simulator's interchange tables.
"""
