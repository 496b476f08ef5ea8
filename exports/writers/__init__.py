"""File writers of the exports: tables to CSV and XLSX bytes, payloads to JSON, orders to FIX."""
