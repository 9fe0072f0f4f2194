"""Accounts, people on them, contact points, bills, devices, lines and consent windows."""
