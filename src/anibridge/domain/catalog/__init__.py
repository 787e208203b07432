"""The catalogue: identities of sites, shows and episodes, title matching and title lookup across sites."""
