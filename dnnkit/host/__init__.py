"""The sandbox's host side: starting bubblewrap, talking to the zygote, the kernel relay for
plain nbgrader. Imports only dnnkit.inside (for the paths inside)."""
